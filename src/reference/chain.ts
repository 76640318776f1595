// Plain-TS twin of assembly/chain.ts: KUBE-SERVICES as columns, scanned rule by rule,
// first match wins (kubernetes pkg/proxy/iptables/proxier.go writes one rule per service port).
import { check, checkServiceEntry, MAX_ENTRIES, MISS, PacketColumns, Result, RuleChain, ServiceEntry } from "../core";

/** A rule's proto and port in one word; a packet's port past 65535 or proto past 255 gets one no rule has. */
const portProto = (port: number, proto: number) =>
  port > 0xffff || proto > 0xff ? MISS : ((proto << 16) | port) >>> 0;

export class TsChain implements RuleChain {
  readonly impl = "chain-ts";
  private daddr = new Uint32Array(64);
  private pp = new Uint32Array(64);
  private target = new Uint32Array(64);
  private len = 0;
  private readonly limit: number;

  constructor(limit = 0) {
    this.limit = limit <= 0 || limit > MAX_ENTRIES ? MAX_ENTRIES : limit;
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number, keep: number): void {
    if (n > this.limit) check(Result.FULL, `${this.impl}: ${n} rules`);
    if (n <= this.daddr.length) return;
    let cap = this.daddr.length;
    while (cap < n) cap *= 2;
    const grow = (a: Uint32Array) => {
      const b = new Uint32Array(cap);
      b.set(a.subarray(0, keep));
      return b;
    };
    this.daddr = grow(this.daddr);
    this.pp = grow(this.pp);
    this.target = grow(this.target);
  }

  replace(rules: readonly ServiceEntry[]): void {
    for (const r of rules) checkServiceEntry(r, `${this.impl}: replacing ${rules.length} rules`);
    this.reserve(rules.length, 0);
    rules.forEach((r, i) => {
      this.daddr[i] = r.addr;
      this.pp[i] = portProto(r.port, r.proto);
      this.target[i] = r.target;
    });
    this.len = rules.length;
  }

  append(r: ServiceEntry): void {
    checkServiceEntry(r, `${this.impl}: appending a rule`);
    this.reserve(this.len + 1, this.len);
    this.daddr[this.len] = r.addr;
    this.pp[this.len] = portProto(r.port, r.proto);
    this.target[this.len] = r.target;
    this.len++;
  }

  lookup(batch: PacketColumns, start: number, count: number): void {
    const { daddr: D, dport: T, proto: R, out: O } = batch;
    const A = this.daddr,
      P = this.pp,
      G = this.target,
      n = this.len;
    for (let k = start, end = start + count; k < end; k++) {
      const a = D[k],
        pp = portProto(T[k], R[k]);
      let hit = MISS;
      for (let i = 0; i < n; i++) {
        if (A[i] === a && P[i] === pp) {
          hit = G[i];
          break;
        }
      }
      O[k] = hit;
    }
  }

  dispose(): void {}
}
