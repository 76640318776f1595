// Plain-TS twin of assembly/route.ts: the IPVS packet path (linux net/netfilter/ipvs/ip_vs_core.c) in
// the same two stages: connections first, then one service lookup for the batch's first packets,
// the scheduler, and a new connection each; one connection-table lookup per packet (a first packet
// keeps its chain and the head it saw, and looks again only at what went in front of that head).
import { MISS, PacketColumns, ServiceLookup } from "../core";
import { ConntrackOptions, DROP, IpvsRoute, NO_DEST } from "../ipvs";
import { NIL } from "./dest";
import { Chain, Conn, scan, TsConntrack } from "./conntrack";
import { TsService } from "./ipvs";

/** Packet columns in plain typed arrays (the scratch batch of first packets). */
class Scratch implements PacketColumns {
  daddr = new Uint32Array(0);
  dport = new Uint32Array(0);
  proto = new Uint32Array(0);
  saddr = new Uint32Array(0);
  sport = new Uint32Array(0);
  out = new Uint32Array(0);
  at = new Uint32Array(0);
  chain: Chain[] = [];
  seen: (Conn | undefined)[] = [];
  get capacity(): number {
    return this.out.length;
  }
  reserve(n: number): void {
    if (n <= this.capacity) return;
    for (const c of ["daddr", "dport", "proto", "saddr", "sport", "out", "at"] as const) this[c] = new Uint32Array(n);
    this.chain = new Array<Chain>(n);
    this.seen = new Array<Conn | undefined>(n);
  }
}

export class TsRoute implements IpvsRoute {
  readonly impl = "route-ts";
  readonly conntrack: TsConntrack;
  private readonly scratch = new Scratch();

  /** services[target]: the virtual service of the table's answer target (undefined: none). */
  constructor(
    private readonly table: ServiceLookup,
    private readonly services: readonly (TsService | undefined)[],
    o: ConntrackOptions = {},
  ) {
    this.conntrack = new TsConntrack(o);
  }

  get connections(): number {
    return this.conntrack.count;
  }

  route(batch: PacketColumns, start: number, count: number, now: number): void {
    const { daddr: D, dport: T, proto: R, saddr: S, sport: P, out: O } = batch;
    const ct = this.conntrack,
      s = this.scratch;
    s.reserve(count);
    let m = 0;
    for (let k = start, end = start + count; k < end; k++) {
      const ch = ct.bucket(S[k], P[k], R[k]),
        c = scan(ch.head, undefined, S[k], P[k], R[k], D[k], T[k]);
      if (c) {
        ct.touch(c, now);
        O[k] = c.dest;
        continue;
      }
      s.daddr[m] = D[k];
      s.dport[m] = T[k];
      s.proto[m] = R[k];
      s.at[m] = k;
      s.chain[m] = ch;
      s.seen[m] = ch.head;
      m++;
    }
    if (m === 0) return;
    this.table.lookup(s, 0, m);
    for (let j = 0; j < m; j++) {
      const k = s.at[j],
        ch = s.chain[j];
      // Nothing leaves the table inside a batch: what the chain gained since the probe is in front of what it saw.
      const c = ch.head === s.seen[j] ? undefined : scan(ch.head, s.seen[j], S[k], P[k], R[k], D[k], T[k]);
      if (c) {
        ct.touch(c, now);
        O[k] = c.dest;
        continue;
      }
      const svc = s.out[j] === MISS ? undefined : this.services[s.out[j]];
      if (!svc) {
        O[k] = MISS;
        continue;
      }
      const id = svc.pick(S[k], P[k], D[k]);
      if (id === NIL) {
        O[k] = NO_DEST;
        continue;
      }
      O[k] = ct.add(ch, S[k], P[k], R[k], D[k], T[k], svc.dests, id, now) ? id : DROP;
    }
    // Chains made for first packets that made no connection go again (after the loop: a later
    // packet of the same client may still have used one).
    for (let j = 0; j < m; j++) {
      const k = s.at[j];
      if (!s.chain[j].head) ct.prune(s.chain[j], S[k], P[k], R[k]);
    }
  }

  close(batch: PacketColumns, start: number, count: number, now: number): void {
    const { daddr: D, dport: T, proto: R, saddr: S, sport: P, out: O } = batch;
    for (let k = start, end = start + count; k < end; k++) {
      const c = this.conntrack.find(S[k], P[k], R[k], D[k], T[k]);
      if (!c) {
        O[k] = MISS;
        continue;
      }
      this.conntrack.close(c, now);
      O[k] = c.dest;
    }
  }

  expire(now: number): number {
    return this.conntrack.expire(now);
  }

  flush(): number {
    return this.conntrack.flush();
  }

  dispose(): void {
    this.flush();
  }
}
