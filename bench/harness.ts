// Times one case with tinybench and turns its statistics into ns per operation.
import { Bench, Task } from "tinybench";
import { SvcbenchError } from "../src/core";

export interface Budget {
  /** ms of sampling per case (tinybench `time`). */
  time: number;
  /** fewest samples per case (tinybench `iterations`). */
  iterations: number;
}

export const DEFAULT_BUDGET: Budget = { time: 250, iterations: 8 };

export interface Measured {
  median_ns: number;
  p99_ns: number;
  rme: number;
  samples: number;
}

/**
 * Runs fn until the budget is spent; each call does opsPerCall operations.
 * tinybench reports latency in ms per call; we report ns per operation.
 */
export function measure(name: string, fn: () => void, opsPerCall: number, budget: Budget): Measured {
  const bench = new Bench({
    name,
    time: budget.time,
    iterations: budget.iterations,
    warmupTime: Math.min(100, budget.time / 2),
    warmupIterations: 2,
    throws: true,
  });
  bench.add(name, fn);
  return measuredOf(bench.runSync()[0], name, opsPerCall);
}

/** A finished tinybench task's latency (ms per call) as ns per operation; a task that did not complete is refused. */
export function measuredOf(task: Task, label: string, opsPerCall = 1): Measured {
  const r = task.result;
  if (r.state !== "completed") throw new SvcbenchError(`case ${label} did not complete (${r.state})`);
  const perOp = 1e6 / opsPerCall;
  return {
    median_ns: r.latency.p50 * perOp,
    p99_ns: r.latency.p99 * perOp,
    rme: r.latency.rme,
    samples: r.latency.samplesCount,
  };
}

/** Progress on stderr: case i of n, elapsed, estimated remaining. Quiet when stderr is not a terminal. */
export class Progress {
  private readonly t0 = Date.now();
  private i = 0;
  constructor(
    private readonly total: number,
    private readonly enabled = process.stderr.isTTY === true,
  ) {}

  step(label: string): void {
    this.i++;
    if (!this.enabled) return;
    const elapsed = (Date.now() - this.t0) / 1000;
    const eta = this.i > 1 ? (elapsed / (this.i - 1)) * (this.total - this.i + 1) : NaN;
    const etaText = Number.isFinite(eta) ? `, ~${eta.toFixed(0)} s left` : "";
    process.stderr.write(`\r\x1b[K[${this.i}/${this.total}] ${label}  (${elapsed.toFixed(0)} s${etaText})`);
  }

  done(): void {
    if (this.enabled) process.stderr.write("\r\x1b[K");
  }
}
