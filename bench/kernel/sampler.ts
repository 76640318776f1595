// Timed kernel steps with a limit. A sample is one command in a namespace, timed from spawn to exit
// (what kube-proxy waits for when it forks iptables-restore or nft); untimed work around it (resetting
// the tables, undoing a change) runs before and after. A sample past the limit is killed: the case is
// over the limit, and a larger N of the same curve is not tried (these costs only grow with N).
import { SvcbenchError } from "../../src/core";
import { median, percentile } from "../../src/util/stats";
import { Measured } from "../harness";
import { Ran } from "./netns";

export interface Sampling {
  /** Samples per case, at most. */
  samples: number;
  /** Once a case has spent this long (ms), it takes no further sample. */
  timeMs: number;
  /** A sample running longer (ms) is killed and the case reported over the limit. */
  limitMs: number;
}

export interface Step {
  before?: () => Promise<unknown>;
  /** The timed command; it comes back with timedOut set when it ran past limitMs. */
  timed: (limitMs: number) => Promise<Ran>;
  after?: () => Promise<unknown>;
}

interface Sampled extends Measured {
  over_limit: boolean;
  limit_ns: number;
}

/** Two-sided 95% Student t for df = 1..10; beyond, 1.96 + 2.4/df is within 1% of the table. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
const t95 = (df: number) => (df <= 10 ? T95[df - 1] : 1.96 + 2.4 / df);

/** Median, p99 (nearest rank), rme (95% margin of error of the mean, % of the mean) and count. */
export function summarize(ns: readonly number[]): Measured {
  if (ns.length === 0) throw new SvcbenchError("no samples to summarize");
  const s = [...ns].sort((a, b) => a - b),
    n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(s.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return {
    median_ns: median(s),
    p99_ns: percentile(s, 0.99),
    rme: n > 1 ? ((t95(n - 1) * sd) / Math.sqrt(n) / mean) * 100 : 0,
    samples: n,
  };
}

/**
 * Samples step until s.samples are taken or s.timeMs is spent (one at least). Over the limit, the
 * median and p99 are the limit (a lower bound) and samples counts those that finished in time.
 */
export async function sampleStep(step: Step, s: Sampling): Promise<Sampled> {
  const ns: number[] = [];
  const t0 = Date.now();
  const limit_ns = s.limitMs * 1e6;
  while (ns.length < s.samples && (ns.length === 0 || Date.now() - t0 < s.timeMs)) {
    await step.before?.();
    const r = await step.timed(s.limitMs);
    if (r.timedOut)
      return { median_ns: limit_ns, p99_ns: limit_ns, rme: 0, samples: ns.length, over_limit: true, limit_ns };
    ns.push(r.ns);
    await step.after?.();
  }
  return { ...summarize(ns), over_limit: false, limit_ns };
}

/**
 * Two commands one after the other as one sample (their times added); the second runs only if the first was
 * in time.
 */
export async function inTurn(
  first: (limitMs: number) => Promise<Ran>,
  second: (limitMs: number) => Promise<Ran>,
  limitMs: number,
): Promise<Ran> {
  const a = await first(limitMs);
  if (a.timedOut) return a;
  const b = await second(Math.max(1, limitMs - a.ns / 1e6));
  return { ...b, ns: a.ns + b.ns };
}
