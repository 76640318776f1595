// Host side of the keyed WASM cores: the ipvs service table (assembly/svctable.ts, fixed
// or resizable) and the nftables verdict map (assembly/vmap.ts). Same calls, other exports.
import {
  check,
  checkServiceEntry,
  checkServicePort,
  PacketColumns,
  Result,
  ServiceEntry,
  ServicePort,
  ServiceTable,
  SvcbenchError,
} from "../core";
import { batchPtr } from "./batch";
import { WasmHandle } from "./handle";
import { SvcbenchExports, wasm, Words } from "./module";

type Ptr = number;
interface KeyedOps {
  create(w: SvcbenchExports, limit: number): Ptr;
  free(w: SvcbenchExports, p: Ptr): void;
  count(w: SvcbenchExports, p: Ptr): number;
  buckets(w: SvcbenchExports, p: Ptr): number;
  insert(w: SvcbenchExports, p: Ptr, e: ServiceEntry): number;
  remove(w: SvcbenchExports, p: Ptr, k: ServicePort): number;
  lookup(w: SvcbenchExports, p: Ptr, b: Ptr, start: number, count: number): number;
  plain(w: SvcbenchExports, p: Ptr, b: Ptr, start: number, count: number): number;
  group(w: SvcbenchExports, p: Ptr, b: Ptr, start: number, count: number, g: number): number;
  bytes(w: SvcbenchExports, p: Ptr): number;
  peak(w: SvcbenchExports, p: Ptr): number;
}

const svctableOps = (resizable: boolean): KeyedOps => ({
  create: (w, limit) => w.svctable_new(resizable ? 1 : 0, limit),
  free: (w, p) => w.svctable_free(p),
  count: (w, p) => w.svctable_count(p),
  buckets: (w, p) => w.svctable_buckets(p),
  insert: (w, p, e) => w.svctable_insert(p, e.addr, e.port, e.proto, e.target),
  remove: (w, p, k) => w.svctable_delete(p, k.addr, k.port, k.proto),
  lookup: (w, p, b, s, c) => w.svctable_lookup(p, b, s, c),
  plain: (w, p, b, s, c) => w.svctable_lookup_plain(p, b, s, c),
  group: (w, p, b, s, c, g) => w.svctable_lookup_group(p, b, s, c, g),
  bytes: (w, p) => w.svctable_bytes(p),
  peak: (w, p) => w.svctable_peak_bytes(p),
});

const vmapOps: KeyedOps = {
  create: (w, limit) => w.vmap_new(limit),
  free: (w, p) => w.vmap_free(p),
  count: (w, p) => w.vmap_count(p),
  buckets: (w, p) => w.vmap_slots(p),
  insert: (w, p, e) => w.vmap_insert(p, e.addr, e.port, e.proto, e.target),
  remove: (w, p, k) => w.vmap_delete(p, k.addr, k.port, k.proto),
  lookup: (w, p, b, s, c) => w.vmap_lookup(p, b, s, c),
  plain: (w, p, b, s, c) => w.vmap_lookup_plain(p, b, s, c),
  group: (w, p, b, s, c, g) => w.vmap_lookup_group(p, b, s, c, g),
  bytes: (w, p) => w.vmap_bytes(p),
  peak: (w, p) => w.vmap_peak_bytes(p),
};

export type KeyedKind = "svctable-fixed" | "svctable-resizable" | "vmap";

const OPS: Record<KeyedKind, KeyedOps> = {
  "svctable-fixed": svctableOps(false),
  "svctable-resizable": svctableOps(true),
  vmap: vmapOps,
};

export class WasmKeyedTable extends WasmHandle implements ServiceTable {
  private readonly ops: KeyedOps;

  /** limit: most entries (0 = MAX_ENTRIES); one more insert is a FULL error. */
  constructor(
    readonly impl: KeyedKind,
    limit = 0,
  ) {
    super(impl);
    if (!Object.hasOwn(OPS, impl))
      throw new SvcbenchError(`no keyed table "${impl as string}"; known: ${Object.keys(OPS).join(", ")}`);
    this.ops = OPS[impl];
    const ptr = this.ops.create(wasm(), limit);
    check(ptr === 0 ? Result.NO_MEMORY : Result.OK, `${impl}: creating the table`);
    this.own(ptr);
  }

  get size(): number {
    return this.ops.count(wasm(), this.ptr);
  }

  /** Hash buckets (svctable) or slots (vmap) right now. */
  get buckets(): number {
    return this.ops.buckets(wasm(), this.ptr);
  }

  /** Bytes of WASM linear memory the table holds now, and the most it has held at once (while growing). */
  get bytes(): number {
    return this.ops.bytes(wasm(), this.ptr);
  }

  get peakBytes(): number {
    return this.ops.peak(wasm(), this.ptr);
  }

  /** Entries per bucket (svctable only): the chain each lookup walks. */
  chainLengths(): number[] {
    if (!this.impl.startsWith("svctable")) throw new SvcbenchError(`${this.impl} has no chains`);
    const p = this.ptr,
      out = new Words(this.buckets);
    try {
      wasm().svctable_chain_lengths(p, out.ptr);
      return Array.from(out.words);
    } finally {
      out.dispose();
    }
  }

  insert(e: ServiceEntry): Result.OK | Result.EXISTS {
    const p = this.ptr,
      what = `${this.impl}: inserting`;
    checkServiceEntry(e, what);
    const code = this.ops.insert(wasm(), p, e);
    if (code === Result.EXISTS) return code;
    check(code, `${this.impl}: inserting ${e.addr}:${e.port}/${e.proto}`);
    return Result.OK;
  }

  delete(k: ServicePort): boolean {
    const p = this.ptr;
    checkServicePort(k, `${this.impl}: deleting`);
    const code = this.ops.remove(wasm(), p, k);
    if (code === Result.NOT_FOUND) return false;
    check(code, `${this.impl}: deleting ${k.addr}:${k.port}/${k.proto}`);
    return true;
  }

  lookup(batch: PacketColumns, start: number, count: number): void {
    const code = this.ops.lookup(wasm(), this.ptr, batchPtr(batch), start, count);
    if (code !== Result.OK) check(code, `${this.impl}: lookup of packets ${start}..${start + count}`);
  }

  /** The probe one packet after another (the batch lookup stages groups of packets). */
  lookupPlain(batch: PacketColumns, start: number, count: number): void {
    const code = this.ops.plain(wasm(), this.ptr, batchPtr(batch), start, count);
    if (code !== Result.OK) check(code, `${this.impl}: plain lookup of packets ${start}..${start + count}`);
  }

  /** The staged lookup in groups of g (4, 8, 16 or 32) instead of the built-in group size. */
  lookupGroup(batch: PacketColumns, start: number, count: number, g: number): void {
    const code = this.ops.group(wasm(), this.ptr, batchPtr(batch), start, count, g);
    if (code !== Result.OK) check(code, `${this.impl}: lookup of packets ${start}..${start + count} in groups of ${g}`);
  }

  /** dispose() refuses while a live route (src/wasm/route.ts) points at the table. */
  protected free(ptr: Ptr): void {
    this.ops.free(wasm(), ptr);
  }
}
