// Host side of assembly/chain.ts: the KUBE-SERVICES rule chain, scanned scalar or SIMD.
import { check, checkServiceEntry, PacketColumns, Result, RuleChain, ServiceEntry } from "../core";
import { batchPtr } from "./batch";
import { WasmHandle } from "./handle";
import { wasm, Words } from "./module";

type ChainScan = "scalar" | "simd";

export class WasmChain extends WasmHandle implements RuleChain {
  readonly impl: string;

  constructor(
    readonly scan: ChainScan,
    limit = 0,
  ) {
    super(`chain-${scan}`);
    this.impl = `chain-${scan}`;
    this.own(wasm().chain_new(limit));
  }

  get length(): number {
    return wasm().chain_len(this.ptr);
  }

  /** Bytes of WASM linear memory the chain holds. */
  get bytes(): number {
    return wasm().chain_bytes(this.ptr);
  }

  replace(rules: readonly ServiceEntry[]): void {
    const p = this.ptr,
      what = `${this.impl}: replacing ${rules.length} rules`;
    for (const r of rules) checkServiceEntry(r, what);
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
      check(wasm().chain_replace(p, src.ptr, n), what);
    } finally {
      src.dispose();
    }
  }

  append(r: ServiceEntry): void {
    const p = this.ptr,
      what = `${this.impl}: appending a rule`;
    checkServiceEntry(r, what);
    check(wasm().chain_append(p, r.addr, r.port, r.proto, r.target), what);
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

  protected free(ptr: number): void {
    wasm().chain_free(ptr);
  }
}
