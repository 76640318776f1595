// Host side of the eBPF model's WASM cores: the BPF hash map (assembly/ebpf/htab.ts) and Cilium's
// Maglev table and pick (assembly/ebpf/maglev.ts).
import { check, PacketColumns, Result, SvcbenchError } from "../core";
import { checkMapShape, Htab, HTAB_NIL, Key, Value } from "../ebpf/htab";
import { Backend } from "../ebpf/lb4";
import { batchPtr } from "./batch";
import { WasmHandle } from "./handle";
import { wasm, Words } from "./module";

export class WasmHtab extends WasmHandle implements Htab {
  constructor(
    readonly keyWords: number,
    readonly maxEntries: number,
    readonly hashrnd: number,
  ) {
    super("BPF hash map");
    checkMapShape(keyWords, maxEntries);
    const ptr = wasm().htab_new(keyWords, maxEntries, hashrnd >>> 0);
    check(ptr === 0 ? Result.NO_MEMORY : Result.OK, `BPF hash map of ${maxEntries} entries`);
    this.own(ptr);
  }

  get count(): number {
    return wasm().htab_count(this.ptr);
  }
  get buckets(): number {
    return wasm().htab_buckets(this.ptr);
  }

  update(k: Key, v: Value, flags = 0): Result {
    return wasm().htab_update(this.ptr, k[0], k[1], k[2], v[0], v[1], v[2], flags);
  }

  delete(k: Key): Result {
    return wasm().htab_delete(this.ptr, k[0], k[1], k[2]);
  }

  lookup(k: Key): Value | undefined {
    const w = wasm(),
      i = w.htab_find(this.ptr, k[0], k[1], k[2]) >>> 0;
    return i === HTAB_NIL
      ? undefined
      : [w.htab_value(this.ptr, i, 0) >>> 0, w.htab_value(this.ptr, i, 1) >>> 0, w.htab_value(this.ptr, i, 2) >>> 0];
  }

  lookupLb4(batch: PacketColumns, start: number, count: number): void {
    const code = wasm().htab_lookup_lb4(this.ptr, batchPtr(batch), start, count);
    if (code !== Result.OK) check(code, `ebpf-htab: lookup of packets ${start}..${start + count}`);
  }

  chainLengths(): number[] {
    const out = new Words(this.buckets);
    try {
      wasm().htab_chain_lengths(this.ptr, out.ptr);
      return Array.from(out.words);
    } finally {
      out.dispose();
    }
  }

  protected free(ptr: number): void {
    wasm().htab_free(ptr);
  }
}

/** A Maglev table of M words in WASM memory, built for backends already sorted by name. */
export class WasmMaglev extends WasmHandle {
  readonly table: Words;

  constructor(
    readonly m: number,
    backends: readonly Backend[],
    readonly seeds: { murmur: number; jhash4: number },
  ) {
    super("maglev table");
    this.table = new Words(m);
    this.own(this.table.ptr);
    try {
      this.rebuild(backends);
    } catch (err) {
      this.table.dispose();
      throw err;
    }
  }

  /** GetLookupTable again, for another backend list: the whole table is rewritten. */
  rebuild(backends: readonly Backend[]): void {
    const list = new Words(Math.max(1, backends.length * 2));
    try {
      backends.forEach((b, i) => {
        list.words[2 * i] = b.addr >>> 0;
        list.words[2 * i + 1] = b.port;
      });
      this.guard();
      const code = wasm().maglev_table(this.table.ptr, this.m, list.ptr, backends.length, this.seeds.murmur >>> 0);
      if (code !== Result.OK) {
        throw new SvcbenchError(
          `maglev: ${backends.length} backends for a table of ${this.m} (M must be one of Cilium's primes, 0 < backends <= M)`,
          code,
        );
      }
    } finally {
      list.dispose();
    }
  }

  /** Backend positions per slot (a copy). */
  entries(): Uint32Array {
    this.guard();
    return this.table.words.slice();
  }

  /** The backend position each packet of [start, start+count) goes to, into out. */
  pick(batch: PacketColumns, start: number, count: number): void {
    this.guard();
    check(
      wasm().maglev_pick(this.table.ptr, this.m, batchPtr(batch), start, count, this.seeds.jhash4 >>> 0),
      "maglev: pick",
    );
  }

  protected free(): void {
    this.table.dispose();
  }
}
