// TS twin of assembly/sched/rr.ts (linux net/netfilter/ipvs/ip_vs_rr.c).
import { NIL } from "../dest";
import { SvcView, TsScheduler } from "./scheduler";

export const HEAD = NIL;

export class Rr implements TsScheduler {
  private cursor = HEAD;
  constructor(private readonly svc: SvcView) {}

  add_dest(pos: number): void {
    if (this.cursor !== HEAD && pos <= this.cursor) this.cursor++;
  }

  del_dest(pos: number): void {
    if (this.cursor !== HEAD && this.cursor >= pos) this.cursor = this.cursor === 0 ? HEAD : this.cursor - 1;
  }

  schedule(): number {
    const d = this.svc.dests,
      last = this.cursor,
      n = d.num;
    const start = last === HEAD ? 0 : last + 1;
    const stop = last === HEAD ? n : start + n;
    for (let i = start; i < stop; i++) {
      const p = i < n ? i : i - n;
      if (d.available(d.order[p])) return (this.cursor = p);
    }
    return NIL;
  }
}
