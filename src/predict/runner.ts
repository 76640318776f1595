// When kube-proxy's next sync starts, in simulated time, for both BoundedFrequencyRunner generations
// (see release.ts). fn runs inside the loop, so a Run() that arrives during a sync waits for it to end.
// token-bucket (pkg/util/async): tryRun() runs at once if the limiter (qps 1/minInterval, burst) has a
//   token; otherwise the timer is set to minInterval after the last run's end and tryRun retries, so the
//   run starts at max(token time, lastEnd + minInterval). The timer also fires maxInterval after a run.
// cooldown (pkg/proxy/runner): after fn returns, the loop waits minInterval before it reads Run() or
//   the maxInterval timer again.
import { RunnerKind } from "./release";

export interface RunnerParams {
  readonly kind: RunnerKind;
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** token-bucket only. */
  readonly burst: number;
}

export class SyncRunnerClock {
  /** End of the last run (ms). */
  lastEnd: number;
  private tokens: number;
  private tokensAt: number;

  constructor(
    readonly p: RunnerParams,
    lastEnd = -Infinity,
  ) {
    this.lastEnd = lastEnd;
    this.tokens = p.burst;
    this.tokensAt = -Infinity;
  }

  private tokensAtTime(t: number): number {
    if (this.p.minIntervalMs === 0) return this.p.burst;
    if (this.tokensAt === -Infinity) return this.p.burst;
    return Math.min(this.p.burst, this.tokens + (t - this.tokensAt) / this.p.minIntervalMs);
  }

  /** When a run asked for at t (Run()) starts; Infinity for none. */
  startFor(t: number): number {
    if (t === Infinity) return Infinity;
    const x = Math.max(t, this.lastEnd);
    if (this.p.kind === "cooldown") return Math.max(x, this.lastEnd + this.p.minIntervalMs);
    const tok = this.tokensAtTime(x);
    if (tok >= 1) return x;
    const tokenTime = x + (1 - tok) * this.p.minIntervalMs;
    return Math.max(tokenTime, this.lastEnd + this.p.minIntervalMs);
  }

  /** The maxInterval timer's run. */
  periodicStart(): number {
    return this.lastEnd === -Infinity
      ? Infinity
      : Math.max(
          this.lastEnd + this.p.maxIntervalMs,
          this.p.kind === "cooldown" ? this.lastEnd + this.p.minIntervalMs : -Infinity,
        );
  }

  /** The next start given the earliest pending Run() (Infinity: none). */
  next(requestAt: number): number {
    return Math.min(this.startFor(requestAt), this.periodicStart());
  }

  /** A run from start to end happened (the limiter's token is spent at start). */
  ran(start: number, end: number): void {
    if (this.p.kind === "token-bucket") {
      this.tokens = this.tokensAtTime(start) - 1;
      this.tokensAt = start;
    }
    this.lastEnd = end;
  }
}
