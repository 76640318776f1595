// TS twins of the least-connection family: assembly/sched/{lc,wlc,sed,nq}.ts and overhead.ts
// (linux net/netfilter/ipvs/ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sed.c, ip_vs_nq.c).
import { IP_VS_DEST_F_OVERLOAD } from "../../ipvs";
import { NIL, TsDests } from "../dest";
import { SvcView, TsScheduler } from "./scheduler";

/** ip_vs_dest_conn_overhead: (activeconns << 8) + inactconns, exact (< 2^41). */
const connOverhead = (d: TsDests, id: number): number => d.activeconns[id] * 256 + d.inactconns[id];
/** The sed / nq overhead: activeconns + 1. */
const sedOverhead = (d: TsDests, id: number): number => d.activeconns[id] + 1;

const SPLIT = 2 ** 24;

/**
 * loh / wl > doh / wd as loh * wd > doh * wl, exactly: products reach 2^57, past a double's 2^53,
 * so large ones are split at 2^24 (both parts exact; the rounded sum keeps the true sign).
 */
export function heavier(loh: number, wl: number, doh: number, wd: number): boolean {
  const a = loh * wd,
    b = doh * wl;
  if (a <= Number.MAX_SAFE_INTEGER && b <= Number.MAX_SAFE_INTEGER) return a > b;
  const lh = Math.floor(loh / SPLIT),
    dh = Math.floor(doh / SPLIT);
  const hi = lh * wd - dh * wl,
    lo = (loh - lh * SPLIT) * wd - (doh - dh * SPLIT) * wl;
  return hi * SPLIT + lo > 0;
}

export class Lc implements TsScheduler {
  constructor(private readonly svc: SvcView) {}
  schedule(): number {
    const d = this.svc.dests;
    let least = NIL,
      loh = 0;
    for (let p = 0; p < d.num; p++) {
      const id = d.order[p];
      if (!d.available(id)) continue;
      const doh = connOverhead(d, id);
      if (least === NIL || doh < loh) {
        least = p;
        loh = doh;
      }
    }
    return least;
  }
}

/** wlc and sed: the first available dest, then strictly less loaded per weight among the not overloaded. */
function weightedLeast(d: TsDests, overhead: (d: TsDests, id: number) => number): number {
  let p = 0;
  while (p < d.num && !d.available(d.order[p])) p++;
  if (p === d.num) return NIL;
  let least = p,
    lid = d.order[p],
    loh = overhead(d, lid);
  for (p++; p < d.num; p++) {
    const id = d.order[p];
    if ((d.flags[id] & IP_VS_DEST_F_OVERLOAD) !== 0) continue;
    const doh = overhead(d, id);
    if (heavier(loh, d.weight[lid], doh, d.weight[id])) {
      least = p;
      lid = id;
      loh = doh;
    }
  }
  return least;
}

export class Wlc implements TsScheduler {
  constructor(private readonly svc: SvcView) {}
  schedule(): number {
    return weightedLeast(this.svc.dests, connOverhead);
  }
}

export class Sed implements TsScheduler {
  constructor(private readonly svc: SvcView) {}
  schedule(): number {
    return weightedLeast(this.svc.dests, sedOverhead);
  }
}

export class Nq implements TsScheduler {
  constructor(private readonly svc: SvcView) {}
  schedule(): number {
    const d = this.svc.dests;
    let least = NIL,
      lid = 0,
      loh = 0;
    for (let p = 0; p < d.num; p++) {
      const id = d.order[p];
      if (!d.available(id)) continue;
      if (d.activeconns[id] === 0) return p;
      const doh = sedOverhead(d, id);
      if (least === NIL || heavier(loh, d.weight[lid], doh, d.weight[id])) {
        least = p;
        lid = id;
        loh = doh;
      }
    }
    return least;
  }
}
