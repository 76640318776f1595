// Plain-TS twin of assembly/ipvs.ts: a virtual service with its dests and one of the nine schedulers
// (linux net/netfilter/ipvs/ip_vs_ctl.c for the dest operations, ip_vs_sched.c for binding).
import { PacketColumns, Result, SvcbenchError } from "../core";
import {
  checkIpvs,
  connsError,
  destKeyCode,
  DestSpec,
  destSpecCode,
  DestState,
  IpvsService,
  MAX_DESTS,
  NO_DEST,
  SchedulerName,
  UNKNOWN_SCHED,
} from "../ipvs";
import { NIL, TsDests } from "./dest";
import { Dh, Sh } from "./sched/hashed";
import { Lc, Nq, Sed, Wlc } from "./sched/least";
import { Mh } from "./sched/mh";
import { Rr } from "./sched/rr";
import { SvcView, TsScheduler } from "./sched/scheduler";
import { Wrr } from "./sched/wrr";

const MAKERS: Record<SchedulerName, new (svc: SvcView) => TsScheduler> = {
  rr: Rr,
  wrr: Wrr,
  lc: Lc,
  wlc: Wlc,
  sed: Sed,
  nq: Nq,
  dh: Dh,
  sh: Sh,
  mh: Mh,
};

/** No scheduler bound (svc->scheduler NULL): no destination for any packet. */
const NO_SCHEDULER: TsScheduler = { schedule: () => NIL };

export class TsService implements IpvsService, SvcView {
  readonly impl = "ipvs-ts";
  readonly dests = new TsDests();
  flags = 0;
  scheduler: SchedulerName | "none" = "rr";
  private sched: TsScheduler = new Rr(this);

  get size(): number {
    return this.dests.num;
  }

  /** As ip_vs_edit_service: the bound scheduler only takes the flags; another is made after the old is dropped. */
  setScheduler(name: SchedulerName, flags = 0): void {
    const what = `${this.impl}: scheduler "${name as string}"`;
    if (!Object.hasOwn(MAKERS, name)) checkIpvs(UNKNOWN_SCHED, what);
    if (name !== this.scheduler) {
      this.sched = NO_SCHEDULER;
      this.scheduler = "none";
      try {
        this.sched = new MAKERS[name](this);
      } catch (e) {
        if (e instanceof SvcbenchError && e.code !== undefined) checkIpvs(e.code, what);
        throw e;
      }
      this.scheduler = name;
    }
    this.flags = flags;
  }

  /** A dest the scheduler cannot take (mh: past its table size) is refused before it is listed. */
  addDest(d: DestSpec): Result.OK | Result.EXISTS {
    const what = `${this.impl}: adding a dest`;
    checkIpvs(destSpecCode(d), what);
    if (this.dests.find(d.addr, d.port) !== NIL) return Result.EXISTS;
    if (this.dests.num >= (this.sched.maxDests ?? MAX_DESTS) || this.dests.link(d) === NIL)
      checkIpvs(Result.FULL, what);
    this.sched.add_dest?.(0);
    return Result.OK;
  }

  editDest(d: DestSpec): boolean {
    checkIpvs(destSpecCode(d), `${this.impl}: editing a dest`);
    const id = this.dests.find(d.addr, d.port);
    if (id === NIL) return false;
    this.dests.update(id, d, false);
    this.sched.upd_dest?.(this.dests.posOf(id));
    return true;
  }

  delDest(addr: number, port: number): boolean {
    checkIpvs(destKeyCode(addr, port), `${this.impl}: deleting a dest`);
    const id = this.dests.find(addr, port);
    if (id === NIL) return false;
    const pos = this.dests.posOf(id);
    this.dests.unlink(pos);
    this.sched.del_dest?.(pos);
    return true;
  }

  findDest(addr: number, port: number): number | undefined {
    checkIpvs(destKeyCode(addr, port), `${this.impl}: finding a dest`);
    const id = this.dests.find(addr, port);
    return id === NIL ? undefined : id;
  }

  ids(): number[] {
    return Array.from(this.dests.order.subarray(0, this.dests.num));
  }

  dest(id: number): DestState {
    return this.dests.state(id);
  }

  setConns(id: number, activeconns: number, inactconns: number, overloaded: boolean): void {
    const e = connsError(this.impl, id, id < this.dests.used, activeconns, inactconns);
    if (e) throw e;
    this.dests.setConns(id, activeconns, inactconns, overloaded);
  }

  /** ip_vs_schedule's pick for each packet; the list position goes out as the dest's id. */
  pick(saddr: number, sport: number, daddr: number): number {
    const pos = this.sched.schedule(saddr, sport, daddr);
    return pos === NIL ? NIL : this.dests.order[pos];
  }

  schedule(batch: PacketColumns, start: number, count: number, bind: boolean): void {
    const { saddr: S, sport: P, daddr: D, out: O } = batch;
    for (let k = start, end = start + count; k < end; k++) {
      const id = this.pick(S[k], P[k], D[k]);
      if (id === NIL) {
        O[k] = NO_DEST;
        continue;
      }
      if (bind) this.dests.bind(id, false);
      O[k] = id;
    }
  }

  table(): Uint32Array | undefined {
    const t = this.sched.table?.();
    return t?.map((p) => (p === NIL ? NIL : this.dests.order[p]));
  }

  dispose(): void {}
}
