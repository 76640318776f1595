// Weighted least connection, as linux net/netfilter/ipvs/ip_vs_wlc.c: least
// ip_vs_dest_conn_overhead / weight, compared by 64-bit cross-multiplication; ties keep the earlier.
import { Service } from "../service";
import { weightedLeast } from "./overhead";

export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  return weightedLeast(svc.dests, false);
}
