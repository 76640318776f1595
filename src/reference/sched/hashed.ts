// TS twins of the hashing schedulers' tables: assembly/sched/dh.ts and sh.ts (linux
// net/netfilter/ipvs/ip_vs_dh.c, ip_vs_sh.c), and the lookup with fallback that sh and mh share.
import { IP_VS_DH_TAB_SIZE, IP_VS_SH_TAB_SIZE, IP_VS_SVC_F_SCHED_FALLBACK, IP_VS_SVC_F_SCHED_PORT } from "../../ipvs";
import { NIL, TsDests } from "../dest";
import { hash_32 } from "../hash";
import { SvcView, TsScheduler } from "./scheduler";

/** A scheduler with a lookup table of list positions, rebuilt on every dest change. */
export abstract class TableScheduler implements TsScheduler {
  protected readonly tbl: Uint32Array;
  constructor(
    protected readonly svc: SvcView,
    size: number,
  ) {
    this.tbl = new Uint32Array(size).fill(NIL);
  }
  protected abstract reassign(): void;
  add_dest(): void {
    this.reassign();
  }
  del_dest(): void {
    this.reassign();
  }
  upd_dest(): void {
    this.reassign();
  }
  abstract schedule(saddr: number, sport: number, daddr: number): number;
  table(): Uint32Array {
    return this.tbl;
  }

  /** ip_vs_{sh,mh}_hashkey: the slot of addr, port at a fallback offset. */
  protected abstract hashkey(addr: number, port: number, offset: number): number;

  /** ip_vs_{sh,mh}_get and _get_fallback: on an unavailable dest, loop around from the original hash. */
  protected lookup(addr: number, port: number): number {
    const d: TsDests = this.svc.dests,
      size = this.tbl.length;
    const ihash = this.hashkey(addr, port, 0);
    let p = this.tbl[ihash];
    if (p === NIL || d.available(d.order[p])) return p;
    if ((this.svc.flags & IP_VS_SVC_F_SCHED_FALLBACK) === 0) return NIL;
    for (let offset = 0; offset < size; offset++) {
      p = this.tbl[this.hashkey(addr, port, (offset + ihash) % size)];
      if (p === NIL) break;
      if (d.available(d.order[p])) return p;
    }
    return NIL;
  }

  /** The port part of the key: the source port with IP_VS_SVC_F_SCHED_PORT. */
  protected port(sport: number): number {
    return (this.svc.flags & IP_VS_SVC_F_SCHED_PORT) !== 0 ? sport : 0;
  }
}

const IP_VS_DH_TAB_BITS = 8;

export class Dh extends TableScheduler {
  constructor(svc: SvcView) {
    super(svc, IP_VS_DH_TAB_SIZE);
    this.reassign();
  }
  /** Bucket i gets list position i mod num_dests. */
  protected reassign(): void {
    const n = this.svc.dests.num;
    for (let i = 0; i < this.tbl.length; i++) this.tbl[i] = n === 0 ? NIL : i % n;
  }
  protected hashkey(addr: number): number {
    return hash_32(addr, IP_VS_DH_TAB_BITS);
  }
  schedule(_saddr: number, _sport: number, daddr: number): number {
    const d = this.svc.dests,
      p = this.tbl[this.hashkey(daddr)];
    return p !== NIL && d.available(d.order[p]) ? p : NIL;
  }
}

const IP_VS_SH_TAB_BITS = 8;

export class Sh extends TableScheduler {
  constructor(svc: SvcView) {
    super(svc, IP_VS_SH_TAB_SIZE);
    this.reassign();
  }
  /** Each dest in list order takes weight buckets in turn (at least one). */
  protected reassign(): void {
    const d = this.svc.dests,
      n = d.num;
    for (let i = 0, p = 0, count = 0; i < this.tbl.length; i++) {
      this.tbl[i] = n === 0 ? NIL : p;
      if (n !== 0 && ++count >= d.weight[d.order[p]]) {
        count = 0;
        if (++p === n) p = 0;
      }
    }
  }
  protected hashkey(addr: number, port: number, offset: number): number {
    return (offset + hash_32((port + addr) >>> 0, IP_VS_SH_TAB_BITS)) & (IP_VS_SH_TAB_SIZE - 1);
  }
  schedule(saddr: number, sport: number): number {
    return this.lookup(saddr, this.port(sport));
  }
}
