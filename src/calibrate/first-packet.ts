// The first packet's cost from the connect probe: the fixed cost of a connect (a) and what each
// KUBE-SERVICES rule walked adds at a given table size. kube-proxy writes KUBE-SERVICES in Go map
// order, so a Service sits at a uniform position: the mean packet walks N/2 rules, the worst N.
import { costAt, functionOf, Predicted, rulesWalked } from "./cost";
import { Profile } from "./schema";

interface FirstPacket {
  fixed_ns: number;
  /** Added ns per rule walked at this table size (the probe walks all of them). */
  per_rule_ns: number;
  mean_added_ns: number;
  worst_added_ns: number;
  extrapolated: boolean;
}

/** For a backend at N Services, from its connect cost function; undefined if the profile lacks it. */
export function firstPacket(p: Profile, backend: string, n: number): FirstPacket | undefined {
  return firstPacketAt(p, backend, n, rulesWalked(p, n));
}

/** The same, with the KUBE-SERVICES rules a packet to the last Service walks counted rather than estimated from N. */
export function firstPacketAt(p: Profile, backend: string, n: number, rules: number): FirstPacket | undefined {
  const f = functionOf(p, backend, "connect");
  if (!f) return undefined;
  if (f.driver === "services") {
    const c: Predicted = costAt(f, n),
      added = Math.max(0, c.ns - f.a_ns);
    return {
      fixed_ns: f.a_ns,
      per_rule_ns: 0,
      mean_added_ns: added,
      worst_added_ns: added,
      extrapolated: c.extrapolated,
    };
  }
  const c = costAt(f, rules),
    worst = Math.max(0, c.ns - f.a_ns);
  return {
    fixed_ns: f.a_ns,
    per_rule_ns: worst / rules,
    mean_added_ns: worst / 2,
    worst_added_ns: worst,
    extrapolated: c.extrapolated,
  };
}
