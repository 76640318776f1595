// Loads build/svcbench.wasm once per process and gives views over its memory.
// @assemblyscript/loader is used because asc's generated bindings are ES modules only,
// and the loader's CommonJS build instantiates synchronously and decodes abort messages.
import fs from "node:fs";
import path from "node:path";
import loader from "@assemblyscript/loader";
import { SvcbenchError } from "../core";
import { PACKAGE_ROOT } from "../util/root";
import { WasmHandle } from "./handle";

type Ptr = number;
type Code = number;

/** The ABI of assembly/index.ts. */
export interface SvcbenchExports {
  memory: WebAssembly.Memory;
  words_new(n: number): Ptr;
  words_free(p: Ptr): void;
  memory_max_pages(pages: number): number;
  batch_new(cap: number): Ptr;
  batch_free(b: Ptr): void;
  batch_cap(b: Ptr): number;
  batch_column(b: Ptr, col: number): Ptr;
  chain_new(limit: number): Ptr;
  chain_free(c: Ptr): void;
  chain_len(c: Ptr): number;
  chain_bytes(c: Ptr): number;
  chain_append(c: Ptr, daddr: number, port: number, proto: number, target: number): Code;
  chain_replace(c: Ptr, src: Ptr, n: number): Code;
  chain_lookup_scalar(c: Ptr, b: Ptr, start: number, count: number): Code;
  chain_lookup_simd(c: Ptr, b: Ptr, start: number, count: number): Code;
  chain_scan_length(c: Ptr, b: Ptr, start: number, count: number): Code;
  chain_roofline(c: Ptr, lens: Ptr, start: number, count: number): number;
  svctable_new(resizable: number, limit: number): Ptr;
  svctable_free(t: Ptr): void;
  svctable_count(t: Ptr): number;
  svctable_buckets(t: Ptr): number;
  svctable_insert(t: Ptr, daddr: number, port: number, proto: number, target: number): Code;
  svctable_delete(t: Ptr, daddr: number, port: number, proto: number): Code;
  svctable_lookup(t: Ptr, b: Ptr, start: number, count: number): Code;
  svctable_chain_lengths(t: Ptr, out: Ptr): void;
  svctable_lookup_plain(t: Ptr, b: Ptr, start: number, count: number): Code;
  svctable_lookup_group(t: Ptr, b: Ptr, start: number, count: number, g: number): Code;
  svctable_bytes(t: Ptr): number;
  svctable_peak_bytes(t: Ptr): number;
  vmap_new(limit: number): Ptr;
  vmap_free(m: Ptr): void;
  vmap_count(m: Ptr): number;
  vmap_slots(m: Ptr): number;
  vmap_insert(m: Ptr, daddr: number, port: number, proto: number, verdict: number): Code;
  vmap_delete(m: Ptr, daddr: number, port: number, proto: number): Code;
  vmap_lookup(m: Ptr, b: Ptr, start: number, count: number): Code;
  vmap_lookup_plain(m: Ptr, b: Ptr, start: number, count: number): Code;
  vmap_lookup_group(m: Ptr, b: Ptr, start: number, count: number, g: number): Code;
  vmap_bytes(m: Ptr): number;
  vmap_peak_bytes(m: Ptr): number;
  dram_new(bytes: number, seed: number): Ptr;
  dram_free(d: Ptr): void;
  dram_read(d: Ptr, count: number, g: number): number;
  stage_group(): number;
  stage_from_bytes(): number;
  hsiphash_1u32(first: number, k0: bigint, k1: bigint): number;
  ipvs_service_new(): Ptr;
  ipvs_service_free(s: Ptr): Code;
  ipvs_service_set_scheduler(s: Ptr, sched: number, flags: number): Code;
  ipvs_service_scheduler(s: Ptr): number;
  ipvs_dest_add(s: Ptr, addr: number, port: number, weight: number, uth: number, lth: number): Code;
  ipvs_dest_edit(s: Ptr, addr: number, port: number, weight: number, uth: number, lth: number): Code;
  ipvs_dest_del(s: Ptr, addr: number, port: number): Code;
  ipvs_dest_find(s: Ptr, addr: number, port: number): number;
  ipvs_dest_count(s: Ptr): number;
  ipvs_dest_ids(s: Ptr, out: Ptr): number;
  ipvs_dest_get(s: Ptr, id: number, field: number): number;
  ipvs_dest_set_conns(s: Ptr, id: number, active: number, inact: number, overloaded: number): Code;
  ipvs_schedule(s: Ptr, b: Ptr, start: number, count: number, bind: number): Code;
  ipvs_sched_table(s: Ptr, out: Ptr): number;
  ipvs_sched_table_size(s: Ptr): number;
  conntrack_new(bits: number, limit: number, seed: number): Ptr;
  conntrack_free(ct: Ptr): void;
  conntrack_count(ct: Ptr): number;
  conntrack_buckets(ct: Ptr): number;
  conntrack_set_timeouts(ct: Ptr, established: number, closed: number): Code;
  conntrack_close(ct: Ptr, b: Ptr, start: number, count: number, now: number): Code;
  conntrack_expire(ct: Ptr, now: number): number;
  conntrack_flush(ct: Ptr): number;
  route_new(ct: Ptr, kind: number, table: Ptr, svcs: Ptr, nsvcs: number): Ptr;
  route_free(r: Ptr): void;
  route_run(r: Ptr, b: Ptr, start: number, count: number, now: number): Code;
  htab_new(keyWords: number, maxEntries: number, hashrnd: number): Ptr;
  htab_free(h: Ptr): void;
  htab_count(h: Ptr): number;
  htab_buckets(h: Ptr): number;
  htab_update(h: Ptr, k0: number, k1: number, k2: number, v0: number, v1: number, v2: number, flags: number): Code;
  htab_delete(h: Ptr, k0: number, k1: number, k2: number): Code;
  htab_find(h: Ptr, k0: number, k1: number, k2: number): number;
  htab_value(h: Ptr, i: number, w: number): number;
  htab_chain_lengths(h: Ptr, out: Ptr): void;
  htab_lookup_lb4(h: Ptr, b: Ptr, start: number, count: number): Code;
  jhash2_words(length: number, k0: number, k1: number, k2: number, initval: number): number;
  maglev_table(table: Ptr, m: number, backends: Ptr, n: number, seed: number): Code;
  maglev_pick(table: Ptr, m: number, b: Ptr, start: number, count: number, seed: number): Code;
  maglev_name_hash(addr: number, port: number, seed: number, out: Ptr): number;
}

const WASM_PATH = path.join(PACKAGE_ROOT, "build", "svcbench.wasm");

let instance: SvcbenchExports | undefined;

/** The one module instance of this process. */
export function wasm(): SvcbenchExports {
  if (instance) return instance;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(WASM_PATH);
  } catch {
    throw new SvcbenchError(`${WASM_PATH} is missing: run "npm run build" first`);
  }
  const mod = loader.instantiateSync<Record<string, unknown>>(bytes, {});
  instance = mod.exports as unknown as SvcbenchExports;
  return instance;
}

/**
 * A u32 view over [ptr, ptr + 4*length) of linear memory that renews itself
 * when memory grows (growth detaches the old ArrayBuffer).
 */
export class WordsView {
  private view: Uint32Array;
  constructor(
    readonly ptr: Ptr,
    readonly length: number,
  ) {
    this.view = new Uint32Array(wasm().memory.buffer, ptr, length);
  }
  get words(): Uint32Array {
    if (this.view.buffer !== wasm().memory.buffer) {
      this.view = new Uint32Array(wasm().memory.buffer, this.ptr, this.length);
    }
    return this.view;
  }
}

/** Scratch words in linear memory, owned by the host. */
export class Words extends WasmHandle {
  private readonly view: WordsView;
  constructor(length: number) {
    super("scratch words");
    const p = wasm().words_new(length);
    if (p === 0) throw new SvcbenchError(`cannot allocate ${length} words in WebAssembly memory`);
    this.own(p);
    this.view = new WordsView(p, length);
  }
  get words(): Uint32Array {
    this.guard();
    return this.view.words;
  }
  protected free(p: Ptr): void {
    wasm().words_free(p);
  }
}
