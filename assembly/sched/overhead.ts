// The least-connection load measures of linux include/net/ip_vs.h and the comparison they share:
// ip_vs_dest_conn_overhead, (activeconns << 8) + inactconns, and
// the sed / nq overhead activeconns + 1 (ip_vs_sed.c, ip_vs_nq.c); a dest is less loaded than
// least when loh * weight(dest) > doh * weight(least), the kernel's integer form of doh/wd < loh/wl.
// Here the overhead is computed exactly in 64 bits, while the kernel's ip_vs_dest_conn_overhead
// returns int ((activeconns << 8) wraps past 2^23 active connections there): a deliberate departure,
// so that no count overflows. Counters are u32 and weights at most 65535, so every product
// (overhead < 2^41 times weight < 2^16) fits in 64 bits exactly.
import { NIL } from "../common";
import { ACTIVECONNS, Dests, FLAGS, INACTCONNS, IP_VS_DEST_F_OVERLOAD, WEIGHT, available, get, idAt } from "../dest";

/** ip_vs_dest_conn_overhead: an active connection costs 256 times an inactive one. */
// @ts-ignore: decorator
@inline export function conn_overhead(d: Dests, id: u32): u64 {
  return (<u64>get(d, ACTIVECONNS, id) << 8) + get(d, INACTCONNS, id);
}

/** ip_vs_sed_dest_overhead / ip_vs_nq_dest_overhead: the expected delay counts the new job too. */
// @ts-ignore: decorator
@inline export function sed_overhead(d: Dests, id: u32): u64 {
  return <u64>get(d, ACTIVECONNS, id) + 1;
}

/** loh / wl > doh / wd, by cross-multiplication. */
// @ts-ignore: decorator
@inline export function heavier(loh: u64, wl: u32, doh: u64, wd: u32): bool {
  return loh * wd > doh * wl;
}

/**
 * wlc and sed: the first available dest is least; every later dest that is not overloaded
 * replaces it when strictly less loaded per weight (weight 0 never is). Ties keep the earlier.
 */
// @ts-ignore: decorator
@inline export function weightedLeast(d: Dests, sed: bool): u32 {
  const n = d.num;
  let p: u32 = 0;
  while (p < n && !available(d, idAt(d, p))) p++;
  if (p == n) return NIL;
  let least = p, lid = idAt(d, p);
  let loh = sed ? sed_overhead(d, lid) : conn_overhead(d, lid);
  for (p++; p < n; p++) {
    const id = idAt(d, p);
    if ((get(d, FLAGS, id) & IP_VS_DEST_F_OVERLOAD) != 0) continue;
    const doh = sed ? sed_overhead(d, id) : conn_overhead(d, id);
    if (heavier(loh, get(d, WEIGHT, lid), doh, get(d, WEIGHT, id))) {
      least = p; lid = id; loh = doh;
    }
  }
  return least;
}
