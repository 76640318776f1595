// Shortest expected delay, as linux net/netfilter/ipvs/ip_vs_sed.c: least (activeconns + 1) / weight
// (Weinrib & Shenker, INFOCOM '88), inactive connections ignored; compared as wlc compares.
import { Service } from "../service";
import { weightedLeast } from "./overhead";

export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  return weightedLeast(svc.dests, true);
}
