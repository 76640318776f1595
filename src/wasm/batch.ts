// A packet batch that lives in WebAssembly memory (layout: assembly/batch.ts).
// The host fills its columns; one export call resolves a range of it.
import { COL_DADDR, COL_DPORT, COL_OUT, COL_PROTO, COL_SADDR, COL_SPORT } from "../abi";
import { PacketColumns, SvcbenchError } from "../core";
import { WasmHandle } from "./handle";
import { wasm, WordsView } from "./module";

const COLUMN = {
  daddr: COL_DADDR,
  dport: COL_DPORT,
  proto: COL_PROTO,
  saddr: COL_SADDR,
  sport: COL_SPORT,
  out: COL_OUT,
} as const;

export class WasmBatch extends WasmHandle implements PacketColumns {
  private readonly cols: WordsView[];

  constructor(readonly capacity: number) {
    super("batch");
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24) {
      throw new SvcbenchError(`batch capacity must be an integer in 1..${1 << 24}, got ${capacity}`);
    }
    const w = wasm(),
      ptr = w.batch_new(capacity);
    if (ptr === 0) throw new SvcbenchError(`cannot allocate a batch of ${capacity} packets in WebAssembly memory`);
    this.own(ptr);
    this.cols = Object.values(COLUMN).map((c) => new WordsView(w.batch_column(ptr, c), capacity));
  }

  /** A column's view; none once disposed (its memory may belong to another handle by then). */
  private column(c: number): Uint32Array {
    this.guard();
    return this.cols[c].words;
  }

  get daddr(): Uint32Array {
    return this.column(COLUMN.daddr);
  }
  get dport(): Uint32Array {
    return this.column(COLUMN.dport);
  }
  get proto(): Uint32Array {
    return this.column(COLUMN.proto);
  }
  get saddr(): Uint32Array {
    return this.column(COLUMN.saddr);
  }
  get sport(): Uint32Array {
    return this.column(COLUMN.sport);
  }
  get out(): Uint32Array {
    return this.column(COLUMN.out);
  }

  /** Puts one packet's five-tuple in row i. */
  setPacket(i: number, p: Readonly<Record<"saddr" | "sport" | "daddr" | "dport" | "proto", number>>): void {
    this.daddr[i] = p.daddr;
    this.dport[i] = p.dport;
    this.proto[i] = p.proto;
    this.saddr[i] = p.saddr;
    this.sport[i] = p.sport;
  }

  protected free(ptr: number): void {
    wasm().batch_free(ptr);
  }
}

/** The batch pointer of a WASM batch; a clear error for any other kind. */
export function batchPtr(batch: PacketColumns): number {
  if (!(batch instanceof WasmBatch)) throw new SvcbenchError("WASM cores read packets from a WasmBatch only");
  return batch.ptr;
}
