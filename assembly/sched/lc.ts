// Least connection, as linux net/netfilter/ipvs/ip_vs_lc.c: the available dest with the least
// ip_vs_dest_conn_overhead ((activeconns << 8) + inactconns; the file's comment still says << 5);
// strict <, so ties go to the first in list order.
import { NIL } from "../common";
import { available, idAt } from "../dest";
import { Service } from "../service";
import { conn_overhead } from "./overhead";

export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  const d = svc.dests, n = d.num;
  let least = NIL, loh: u64 = 0;
  for (let p: u32 = 0; p < n; p++) {
    const id = idAt(d, p);
    if (!available(d, id)) continue;
    const doh = conn_overhead(d, id);
    if (least == NIL || doh < loh) { least = p; loh = doh; }
  }
  return least;
}
