// Where iptables' first packet reaches twice the nftables verdict map's: measured (log-log between the
// measured sizes that bracket it) and predicted from the connect cost functions, with all sizes and
// with each interior size held out of both fits.
import { crossing } from "../report/markdown";
import { CaseResult, casesOf, KernelCase } from "../report/cases";
import { costAt, functionOf } from "./cost";
import { fitFunction } from "./profile";
import { CostFunction, Profile } from "./schema";

const CROSSOVER_LEVEL = 2;
const VERDICT_MAP_BACKEND = "nft-f";

export interface Crossover {
  backend: string;
  measured_n?: number;
  predicted_n?: number;
  error_pct?: number;
  /** The crossover predicted with one interior size left out of both connect fits. */
  held_out: { n: number; predicted_n?: number; error_pct?: number }[];
}

const connectAt = (k: readonly KernelCase[], impl: string, n: number) =>
  k.find((c) => c.impl === impl && c.scenario === "connect" && c.n === n && c.over_limit !== true)?.median_ns;

export function measuredCrossover(
  all: readonly CaseResult[],
  backend: string,
  level = CROSSOVER_LEVEL,
): number | undefined {
  const k = casesOf(all, "kernel");
  const ns = [...new Set(k.filter((c) => c.impl === backend && c.scenario === "connect").map((c) => c.n))];
  const pts = ns.flatMap((n) => {
    const a = connectAt(k, backend, n),
      b = connectAt(k, VERDICT_MAP_BACKEND, n);
    return a && b ? [{ n, r: a / b }] : [];
  });
  return pts.length >= 2 ? crossing(pts, level) : undefined;
}

/** Smallest N (10 … 10M) where ipt(rules(N)) / nft(N) reaches level, by bisection on log N. */
export function solveCrossover(
  ipt: CostFunction,
  nft: CostFunction,
  rulesPerService: number,
  level = CROSSOVER_LEVEL,
): number | undefined {
  const ratio = (n: number) => costAt(ipt, ipt.driver === "services" ? n : n * rulesPerService).ns / costAt(nft, n).ns;
  let lo = Math.log(10),
    hi = Math.log(1e7);
  if (ratio(Math.exp(lo)) >= level) return Math.exp(lo);
  if (ratio(Math.exp(hi)) < level) return undefined;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (ratio(Math.exp(mid)) >= level) hi = mid;
    else lo = mid;
  }
  return Math.exp(hi);
}

const err = (p: number | undefined, m: number | undefined) =>
  p !== undefined && m !== undefined ? (p / m - 1) * 100 : undefined;

export function crossover(p: Profile, k: readonly CaseResult[], backend: string): Crossover | undefined {
  const ipt = functionOf(p, backend, "connect"),
    nft = functionOf(p, VERDICT_MAP_BACKEND, "connect");
  if (!ipt || !nft || p.rules_per_service === undefined) return undefined;
  const measured_n = measuredCrossover(k, backend),
    predicted_n = solveCrossover(ipt, nft, p.rules_per_service);
  const sizes = ipt.points
    .map((q) => q.n)
    .sort((a, b) => a - b)
    .slice(1, -1);
  const held_out = sizes.map((n) => {
    const without = (f: CostFunction) =>
      fitFunction(f.backend, f.step, { ...f, points: f.points.filter((q) => q.n !== n) });
    const predicted = solveCrossover(without(ipt), without(nft), p.rules_per_service!);
    return { n, predicted_n: predicted, error_pct: err(predicted, measured_n) };
  });
  return { backend, measured_n, predicted_n, error_pct: err(predicted_n, measured_n), held_out };
}
