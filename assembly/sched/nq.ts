// Never queue, as linux net/netfilter/ipvs/ip_vs_nq.c: the first idle dest (activeconns == 0) in
// list order wins at once; otherwise the shortest expected delay, (activeconns + 1) / weight.
import { NIL } from "../common";
import { ACTIVECONNS, WEIGHT, available, get, idAt } from "../dest";
import { Service } from "../service";
import { heavier, sed_overhead } from "./overhead";

export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  const d = svc.dests, n = d.num;
  let least = NIL, lid: u32 = 0, loh: u64 = 0;
  for (let p: u32 = 0; p < n; p++) {
    const id = idAt(d, p);
    if (!available(d, id)) continue;
    if (get(d, ACTIVECONNS, id) == 0) return p; // idle: never queue
    const doh = sed_overhead(d, id);
    if (least == NIL || heavier(loh, get(d, WEIGHT, lid), doh, get(d, WEIGHT, id))) {
      least = p; lid = id; loh = doh;
    }
  }
  return least;
}
