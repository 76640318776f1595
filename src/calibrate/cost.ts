// Evaluating a profile: the predicted time of a backend's step at a value of its driver, flagged
// when that value lies outside the measured range (the fitted power carries the local slope beyond).
import { evalPower } from "./power-fit";
import { CostFunction, Profile, Step } from "./schema";

export interface Predicted {
  ns: number;
  extrapolated: boolean;
}

export const functionOf = (p: Profile, backend: string, step: Step): CostFunction | undefined =>
  p.functions.find((f) => f.backend === backend && f.step === step);

export function costAt(f: CostFunction, x: number): Predicted {
  const xs = f.points.map((q) => q.x);
  return {
    ns: evalPower({ a: f.a_ns, b: f.b, k: f.k }, x),
    extrapolated: x > Math.max(...xs) * 1.05 || x < Math.min(...xs) / 1.05,
  };
}

export function predict(p: Profile, backend: string, step: Step, x: number): Predicted | undefined {
  const f = functionOf(p, backend, step);
  return f && costAt(f, x);
}

/** KUBE-SERVICES rules a packet to the last of N Services walks. */
export const rulesWalked = (p: Profile, n: number) => n * (p.rules_per_service ?? 1);

/** Bytes a table of N Services (E as measured) holds, by family (iptables, nft). */
export const bytesHeld = (p: Profile, family: "iptables" | "nft", n: number) =>
  n * (p.bytes_per_service[family] ?? NaN);
