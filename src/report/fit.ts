// Complexity fit per curve, the way google/benchmark reports BigO: for each class fit one
// coefficient by least squares through the origin, keep the class with the lowest RMS
// normalised by the mean time; also the slope of the log-log line.
import { CaseResult } from "./results";

const CLASSES = {
  "O(1)": () => 1,
  "O(log N)": (n: number) => Math.log2(n),
  "O(N)": (n: number) => n,
  "O(N log N)": (n: number) => n * Math.log2(n),
  "O(N^2)": (n: number) => n * n,
} as const;
type ComplexityClass = keyof typeof CLASSES;

export interface Fit {
  suite: string;
  impl: string;
  scenario?: string;
  batch?: number;
  /** Endpoints per Service (the sync suite's second dimension). */
  endpoints?: number;
  points: number;
  class: ComplexityClass;
  /** time ≈ coefficient × f(N), in ns. */
  coefficient: number;
  /** RMS of the residuals over the mean time (google/benchmark's "RMS" column). */
  rms: number;
  /** Slope of ln(time) against ln(N): 0 flat, 1 linear, 2 quadratic. */
  loglog_slope: number;
}

interface Point {
  n: number;
  t: number;
}

/** Best class for these points; undefined with fewer than two distinct N. */
export function fitPoints(points: Point[]): Omit<Fit, "suite" | "impl" | "scenario" | "batch"> | undefined {
  const ns = new Set(points.map((p) => p.n));
  if (ns.size < 2 || points.some((p) => !(p.n > 0) || !(p.t > 0))) return undefined;
  const mean = points.reduce((s, p) => s + p.t, 0) / points.length;
  let best: { class: ComplexityClass; coefficient: number; rms: number } | undefined;
  for (const [name, f] of Object.entries(CLASSES) as [ComplexityClass, (n: number) => number][]) {
    const fx = points.map((p) => f(p.n));
    const sff = fx.reduce((s, v) => s + v * v, 0);
    if (!(sff > 0)) continue; // log2(1) = 0 everywhere
    const c = points.reduce((s, p, i) => s + p.t * fx[i], 0) / sff;
    const rms = Math.sqrt(points.reduce((s, p, i) => s + (p.t - c * fx[i]) ** 2, 0) / points.length) / mean;
    if (!best || rms < best.rms) best = { class: name, coefficient: c, rms };
  }
  const lx = points.map((p) => Math.log(p.n)),
    ly = points.map((p) => Math.log(p.t));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length,
    my = ly.reduce((a, b) => a + b, 0) / ly.length;
  const sxx = lx.reduce((s, x) => s + (x - mx) ** 2, 0);
  const slope = lx.reduce((s, x, i) => s + (x - mx) * (ly[i] - my), 0) / sxx;
  return best && { points: points.length, ...best, loglog_slope: slope };
}

/** What names a curve: a case's suite, impl, scenario, batch and endpoints per Service (where it has them). */
interface Curve {
  suite: string;
  impl: string;
  scenario?: string;
  batch?: number;
  endpoints?: number;
}

/** A case's curve. */
export function curveOf(c: CaseResult): Curve {
  return {
    suite: c.suite,
    impl: c.impl,
    ...(c.scenario !== undefined && { scenario: c.scenario }),
    ...("batch" in c && c.batch !== undefined && { batch: c.batch }),
    ...("endpoints" in c && { endpoints: c.endpoints }),
  };
}

/** The curve a case belongs to: everything but N (endpoints per Service, where a suite sweeps them, too). */
export function curveKey(c: Curve): string {
  return [
    c.suite,
    c.impl,
    c.scenario ?? "",
    c.batch ?? "",
    ...(c.endpoints !== undefined ? [`E${c.endpoints}`] : []),
  ].join("|");
}

/** One fit per curve with at least two sizes (median times); a case over its time limit has no time to fit. */
export function fitCases(cases: readonly CaseResult[]): Fit[] {
  const curves = new Map<string, CaseResult[]>();
  for (const c of cases.filter((x) => x.suite !== "kernel" || x.over_limit !== true)) {
    const key = curveKey(curveOf(c));
    curves.set(key, [...(curves.get(key) ?? []), c]);
  }
  const fits: Fit[] = [];
  for (const group of curves.values()) {
    const f = fitPoints(group.map((c) => ({ n: c.n, t: c.median_ns })));
    if (f) fits.push({ ...curveOf(group[0]), ...f });
  }
  return fits;
}
