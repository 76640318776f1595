// A packet batch that lives in WebAssembly memory (layout: assembly/batch.ts).
// The host fills its columns; one export call resolves a range of it.
import { COL_DADDR, COL_DPORT, COL_OUT, COL_PROTO, COL_SADDR, COL_SPORT } from "../abi";
import { PacketColumns, SvcbenchError } from "../core";
import { wasm, WordsView } from "./module";

const COLUMN = { daddr: COL_DADDR, dport: COL_DPORT, proto: COL_PROTO, saddr: COL_SADDR, sport: COL_SPORT, out: COL_OUT } as const;

export class WasmBatch implements PacketColumns {
  readonly ptr: number;
  private readonly cols: WordsView[];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24) {
      throw new SvcbenchError(`batch capacity must be an integer in 1..${1 << 24}, got ${capacity}`);
    }
    const w = wasm();
    this.ptr = w.batch_new(capacity);
    if (this.ptr === 0) throw new SvcbenchError(`cannot allocate a batch of ${capacity} packets in WebAssembly memory`);
    this.cols = Object.values(COLUMN).map((c) => new WordsView(w.batch_column(this.ptr, c), capacity));
  }

  get daddr(): Uint32Array { return this.cols[COLUMN.daddr].words; }
  get dport(): Uint32Array { return this.cols[COLUMN.dport].words; }
  get proto(): Uint32Array { return this.cols[COLUMN.proto].words; }
  get saddr(): Uint32Array { return this.cols[COLUMN.saddr].words; }
  get sport(): Uint32Array { return this.cols[COLUMN.sport].words; }
  get out(): Uint32Array { return this.cols[COLUMN.out].words; }

  dispose(): void {
    wasm().batch_free(this.ptr);
  }
}

/** The batch pointer of a WASM batch; a clear error for any other kind. */
export function batchPtr(batch: PacketColumns): number {
  if (!(batch instanceof WasmBatch)) throw new SvcbenchError("WASM cores read packets from a WasmBatch only");
  return batch.ptr;
}
