// Where each mode breaks: the number of Services (the snapshot's shape scaled) at which the
// network-programming p99 passes the SLO, the syncs stop keeping up with the churn, the first
// packet's mean added latency passes its SLO, or the table passes a hard limit of the mode (ebpf:
// Cilium's 16-bit service IDs). A doubling grid around the snapshot's size, then a
// bisection (in log N) between the last good and the first broken size.
import { ModePrediction } from "./evaluate";

export interface Limits {
  readonly sloS: number;
  readonly firstPacketSloUs: number;
}

export type Check = "npl_slo" | "keep_up" | "first_packet" | "capacity";
export const CHECKS: readonly Check[] = ["npl_slo", "keep_up", "first_packet", "capacity"];

export function broken(p: ModePrediction, c: Check, l: Limits): boolean {
  if (c === "npl_slo") return !(p.npl_p99_s <= l.sloS);
  if (c === "keep_up") return !p.keeps_up;
  if (c === "capacity") return !p.fits;
  return !(p.first_packet_mean_us <= l.firstPacketSloUs);
}

/** The size at which a check first fails: exactly (within the bisection), below the grid, or not up to its top. */
export interface BreakPoint {
  readonly services: number;
  readonly bound: "at" | "at-or-below" | "above";
}

/** grid: ascending predictions of one mode; evalAt: one more prediction at n Services. */
export function breakPoint(
  grid: readonly ModePrediction[],
  c: Check,
  l: Limits,
  evalAt: (n: number) => ModePrediction,
  steps = 3,
): BreakPoint {
  const i = grid.findIndex((p) => broken(p, c, l));
  if (i < 0) return { services: grid[grid.length - 1].services, bound: "above" };
  if (i === 0) return { services: grid[0].services, bound: "at-or-below" };
  let lo = grid[i - 1].services,
    hi = grid[i].services;
  for (let s = 0; s < steps && hi - lo > 1; s++) {
    const mid = Math.round(Math.sqrt(lo * hi));
    if (mid <= lo || mid >= hi) break;
    if (broken(evalAt(mid), c, l)) hi = mid;
    else lo = mid;
  }
  return { services: hi, bound: "at" };
}
