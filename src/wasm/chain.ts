// Host side of assembly/chain.ts: the KUBE-SERVICES rule chain, scanned scalar or SIMD.
import { check, PacketColumns, Result, RuleChain, ServiceEntry } from "../core";
import { batchPtr } from "./batch";
import { wasm, Words } from "./module";

export type ChainScan = "scalar" | "simd";

export class WasmChain implements RuleChain {
  readonly impl: string;
  private readonly ptr: number;

  constructor(readonly scan: ChainScan, limit = 0) {
    this.impl = `chain-${scan}`;
    this.ptr = wasm().chain_new(limit);
  }

  get length(): number {
    return wasm().chain_len(this.ptr);
  }

  /** Bytes of WASM linear memory the chain holds. */
  get bytes(): number {
    return wasm().chain_bytes(this.ptr);
  }

  replace(rules: readonly ServiceEntry[]): void {
    const n = rules.length;
    const src = new Words(Math.max(1, 4 * n));
    try {
      const w = src.words;
      rules.forEach((r, i) => {
        w[i] = r.addr;
        w[n + i] = r.port;
        w[2 * n + i] = r.proto;
        w[3 * n + i] = r.target;
      });
      check(wasm().chain_replace(this.ptr, src.ptr, n), `${this.impl}: replacing ${n} rules`);
    } finally {
      src.dispose();
    }
  }

  append(r: ServiceEntry): void {
    check(wasm().chain_append(this.ptr, r.addr, r.port, r.proto, r.target), `${this.impl}: appending a rule`);
  }

  lookup(batch: PacketColumns, start: number, count: number): void {
    const w = wasm();
    const f = this.scan === "simd" ? w.chain_lookup_simd : w.chain_lookup_scalar;
    const code = f(this.ptr, batchPtr(batch), start, count);
    if (code !== Result.OK) check(code, `${this.impl}: lookup of packets ${start}..${start + count}`);
  }

  /** For the roofline: out = rules each packet's scan reads. */
  scanLengths(batch: PacketColumns, start: number, count: number): void {
    check(wasm().chain_scan_length(this.ptr, batchPtr(batch), start, count), `${this.impl}: scan lengths`);
  }

  /** Reads and sums the address bytes that scans of lens[k] rules read (k in [start, start+count)). */
  roofline(lens: Words, start: number, count: number): number {
    return wasm().chain_roofline(this.ptr, lens.ptr, start, count);
  }

  dispose(): void {
    wasm().chain_free(this.ptr);
  }
}
