// TS twin of assembly/sched/wrr.ts (linux net/netfilter/ipvs/ip_vs_wrr.c).
import { IP_VS_DEST_F_OVERLOAD } from "../../ipvs";
import { NIL, TsDests } from "../dest";
import { HEAD } from "./rr";
import { SvcView, TsScheduler } from "./scheduler";

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The gcd of the weights > 0 of one column (0 if none), and its largest value. */
export function gcdMax(d: TsDests, w: Uint32Array): { gcd: number; max: number } {
  let g = 0,
    max = 0;
  for (let p = 0; p < d.num; p++) {
    const x = w[d.order[p]];
    if (x > 0) g = g > 0 ? gcd(x, g) : x;
    if (x > max) max = x;
  }
  return { gcd: g, max };
}

export class Wrr implements TsScheduler {
  private cl = HEAD;
  private cw = 0;
  private mw = 0;
  private di = 1;

  constructor(private readonly svc: SvcView) {
    const { gcd, max } = gcdMax(svc.dests, svc.dests.weight);
    this.di = gcd || 1;
    this.mw = max - (this.di - 1);
    this.cw = this.mw;
  }

  private changed(): void {
    const { gcd, max } = gcdMax(this.svc.dests, this.svc.dests.weight);
    this.cl = HEAD;
    this.di = gcd || 1;
    this.mw = max - (this.di - 1);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.trunc(this.cw / this.di) * this.di + 1;
  }

  add_dest(): void {
    this.changed();
  }
  del_dest(): void {
    this.changed();
  }
  upd_dest(): void {
    this.changed();
  }

  schedule(): number {
    const d = this.svc.dests,
      n = d.num;
    if (this.mw === 0) return NIL;
    const last = this.cl;
    let p = last,
      stop = NIL,
      lastPass = false,
      restarted = false;
    for (;;) {
      for (p = p === HEAD ? 0 : p + 1; p < n; p++) {
        const id = d.order[p];
        if ((d.flags[id] & IP_VS_DEST_F_OVERLOAD) === 0 && d.weight[id] >= this.cw) return (this.cl = p);
        if (p === stop) {
          this.cl = p;
          return NIL;
        }
      }
      p = HEAD;
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        if (lastPass || last === HEAD) {
          this.cl = HEAD;
          return NIL;
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      if (lastPass && restarted && last !== HEAD) stop = last;
    }
  }
}
