// The gcd and largest weight by which linux net/netfilter/ipvs/ip_vs_wrr.c (ip_vs_wrr_gcd_weight,
// ip_vs_wrr_max_weight) and ip_vs_mh.c (ip_vs_mh_gcd_weight, ip_vs_mh_shift_weight) size their rounds.
import { Dests, get, idAt } from "../dest";

function gcd(a: i32, b: i32): i32 {
  while (b != 0) { const t = a % b; a = b; b = t; }
  return a;
}

/** gcd of the values > 0 of column c over the listed dests; 0 if there are none. */
export function gcdWeight(d: Dests, c: u32): i32 {
  let g: i32 = 0;
  for (let p: u32 = 0; p < d.num; p++) {
    const w = <i32>get(d, c, idAt(d, p));
    if (w > 0) g = g > 0 ? gcd(w, g) : w;
  }
  return g;
}

/** The largest value of column c over the listed dests (0 if none). */
export function maxWeight(d: Dests, c: u32): i32 {
  let m: i32 = 0;
  for (let p: u32 = 0; p < d.num; p++) m = max(m, <i32>get(d, c, idAt(d, p)));
  return m;
}
