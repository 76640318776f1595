// Baseline comparison with criterion.rs's two gates: a case has changed only if its median moved
// beyond the noise threshold and beyond both runs' relative margin of error.
import fs from "node:fs";
import { UsageError } from "../cli/flags";
import { errno, SvcbenchError } from "../core";
import { curveKey, curveOf } from "./fit";
import { checkCases, checkEnv } from "./case-check";
import { CaseResult, ResultsFile } from "./results";

/**
 * criterion's outcomes of a comparison: faster or slower beyond the noise, or "no change" (a move within
 * the noise threshold or within either run's margin of error, criterion's "change within noise threshold").
 */
export type Verdict = "improved" | "regressed" | "no change";

/** The verdict on a median that moved by changePct: a change counts only past the threshold and both runs' rme. */
function verdictOf(changePct: number, thresholdPct: number, baselineRme: number, currentRme: number): Verdict {
  const size = Math.abs(changePct);
  if (size <= thresholdPct || size <= baselineRme || size <= currentRme) return "no change";
  return changePct < 0 ? "improved" : "regressed";
}

export interface Comparison {
  suite: string;
  impl: string;
  n: number;
  scenario?: string;
  batch?: number;
  baseline_ns: number;
  current_ns: number;
  /** (current − baseline) / baseline, percent. */
  change_pct: number;
  verdict: Verdict;
}

/** Reads a results file (any suite's, or report.json); every problem is one clear error. */
export function readResultsFile(file: string, what = "baseline"): ResultsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new SvcbenchError(`${what} ${file} cannot be read: ${errno(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SvcbenchError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const d = data as Partial<Record<keyof ResultsFile, unknown>> | null;
  if (typeof d !== "object" || d === null || typeof d.env !== "object" || d.env === null || !Array.isArray(d.cases)) {
    throw new SvcbenchError(`${what} ${file} is not a svcbench results file: it needs "env" and "cases"`);
  }
  const env = checkEnv(d.env),
    checked = checkCases(d.cases);
  if ("error" in env) throw new SvcbenchError(`${what} ${file}: ${env.error}`);
  if ("error" in checked) throw new SvcbenchError(`${what} ${file}: ${checked.error}`);
  return { env: env.env, cases: checked.cases };
}

/** What a run will measure, known before it measures: its seed, and the sizes of each suite that has cases. */
export interface RunPlan {
  seed: number;
  suites: { name: string; sizes: readonly number[] }[];
}

const sizesOf = (r: ResultsFile, suite: string) =>
  [...new Set(r.cases.filter((c) => c.suite === suite).map((c) => c.n))].sort((a, b) => a - b).join(",");

/**
 * Reads --baseline and checks it against the plan before anything runs: readable, the same seed, every
 * planned suite at the same sizes, every median a finite positive number. Each refusal is a UsageError.
 */
export function readBaseline(file: string, plan: RunPlan): ResultsFile {
  let b: ResultsFile;
  try {
    b = readResultsFile(file);
  } catch (err) {
    throw err instanceof SvcbenchError ? new UsageError(err.message) : err;
  }
  if (b.env.seed !== plan.seed)
    throw new UsageError(
      `baseline ${file} was run with seed ${String(b.env.seed)}, this run with ${plan.seed}: not comparable`,
    );
  b.cases.forEach((c, i) => {
    if (!Number.isFinite(c.median_ns) || c.median_ns <= 0) {
      throw new UsageError(
        `baseline ${file}: case ${i} (${c.suite}/${c.impl} N=${c.n}) has median_ns ${String(c.median_ns)}; every median must be a finite positive number`,
      );
    }
  });
  for (const s of plan.suites) {
    if (s.sizes.length === 0) continue;
    const was = sizesOf(b, s.name),
      now = [...s.sizes].sort((x, y) => x - y).join(",");
    if (was === "") throw new UsageError(`baseline ${file} has no ${s.name} cases to compare with`);
    if (was !== now)
      throw new UsageError(`baseline ${file} ran ${s.name} at sizes ${was}, this run at ${now}: not comparable`);
  }
  return b;
}

const caseKey = (c: CaseResult) => `${curveKey(curveOf(c))}|${c.n}`;

/** Refuses runs that cannot be compared: another seed, or other sizes for a suite this run has. */
export function checkComparable(baseline: ResultsFile, current: ResultsFile, file: string): void {
  if (baseline.env.seed !== current.env.seed) {
    throw new SvcbenchError(
      `baseline ${file} was run with seed ${baseline.env.seed}, this run with ${current.env.seed}: not comparable`,
    );
  }
  for (const suite of new Set(current.cases.map((c) => c.suite))) {
    const was = sizesOf(baseline, suite),
      now = sizesOf(current, suite);
    if (was === "") throw new SvcbenchError(`baseline ${file} has no ${suite} cases to compare with`);
    if (was !== now)
      throw new SvcbenchError(`baseline ${file} ran ${suite} at sizes ${was}, this run at ${now}: not comparable`);
  }
}

export function compare(baseline: ResultsFile, current: ResultsFile, thresholdPct: number): Comparison[] {
  const before = new Map(baseline.cases.map((c) => [caseKey(c), c]));
  const out: Comparison[] = [];
  for (const c of current.cases) {
    const b = before.get(caseKey(c));
    if (!b || !(b.median_ns > 0)) continue;
    const change = ((c.median_ns - b.median_ns) / b.median_ns) * 100;
    const { scenario, batch } = curveOf(c);
    out.push({
      suite: c.suite,
      impl: c.impl,
      n: c.n,
      ...(scenario !== undefined && { scenario }),
      ...(batch !== undefined && { batch }),
      baseline_ns: b.median_ns,
      current_ns: c.median_ns,
      change_pct: change,
      verdict: verdictOf(change, thresholdPct, b.rme, c.rme),
    });
  }
  return out;
}

export function summarize(comparisons: Comparison[]): string {
  const count = (v: Verdict) => comparisons.filter((c) => c.verdict === v).length;
  return `${count("regressed")} regressed, ${count("improved")} improved, ${count("no change")} without change (of ${comparisons.length} cases)`;
}
