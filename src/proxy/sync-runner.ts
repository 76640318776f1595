// BoundedFrequencyRunner (kubernetes pkg/proxy/runner/bounded_frequency_runner.go, v1.35.0's proxiers:
// NewBoundedFrequencyRunner("sync-runner", syncProxyRules, minSyncPeriod, syncPeriod, FullSyncPeriod)).
// Run() asks for a run; after fn returns the loop waits minInterval before it takes the next Run() or
// timer, so changes arriving meanwhile collapse into one run (no burst); the maxInterval timer runs fn
// maxInterval after the last run's end; a failed run is retried retryInterval after its end unless
// another run comes first. Time is simulated.
// "token-bucket" keeps its predecessor for older releases (pkg/util/async/bounded_frequency_runner.go,
// burstSyncs 2): tryRun() runs at once if the limiter (qps 1/minInterval, burst) has a token; otherwise
// the timer is set minInterval after the last run's end, so the run starts at max(token, lastEnd + minInterval).
import { SvcbenchError } from "../core";

export const DEFAULT_MIN_SYNC_PERIOD_MS = 1000;
/** kube-proxy --iptables-sync-period / --nftables-sync-period / --ipvs-sync-period default. */
export const DEFAULT_SYNC_PERIOD_MS = 30000;

/** cooldown: pkg/proxy/runner (the pinned release); token-bucket: pkg/util/async (before it). */
export type RunnerKind = "token-bucket" | "cooldown";

export interface RunnerParams {
  readonly kind: RunnerKind;
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** token-bucket only. */
  readonly burst: number;
}

/** When the next run starts: the runner's timing alone, from its last run (start, end). */
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

/**
 * The runner driven step by step, for a kube-proxy whose syncs take no simulated time: Run(), the retry
 * of a failed run, and whether a run may start now. The maxInterval timer is left out (Infinity).
 */
export class BoundedFrequencyRunner {
  private readonly clock: SyncRunnerClock;
  private wanted = false;
  /** When the retry timer fires; undefined: no retry armed. */
  private retryAt?: number;
  /** Runs granted so far. */
  runs = 0;

  constructor(
    readonly minIntervalMs = DEFAULT_MIN_SYNC_PERIOD_MS,
    readonly kind: RunnerKind = "cooldown",
    burst = 2,
  ) {
    if (!(minIntervalMs >= 0) || !Number.isInteger(burst) || burst < 1) {
      throw new SvcbenchError(
        `sync runner: min interval must be >= 0 ms and burst >= 1, got ${minIntervalMs} ms, ${burst}`,
      );
    }
    this.clock = new SyncRunnerClock({ kind, minIntervalMs, maxIntervalMs: Infinity, burst });
  }

  /** Run(): a run is wanted. */
  run(): void {
    this.wanted = true;
  }

  /** fn failed at now: the retry timer runs it again retryInterval later (the soonest asked wins). */
  retryAfter(now: number, intervalMs: number): void {
    this.retryAt = Math.min(this.retryAt ?? Infinity, now + intervalMs);
  }

  get pending(): boolean {
    return this.wanted || this.retryAt !== undefined;
  }

  /** When the wanted (or retried) run may start (now or later); undefined if none is. */
  dueAt(now: number): number | undefined {
    if (!this.pending) return undefined;
    const retry = this.retryAt === undefined ? Infinity : Math.max(now, this.retryAt);
    return this.clock.startFor(this.wanted ? now : retry);
  }

  /** Takes the run if one is due at now; a run stops the retry timer. */
  take(now: number): boolean {
    if (this.dueAt(now) !== now) return false;
    this.clock.ran(now, now);
    this.wanted = false;
    this.retryAt = undefined;
    this.runs++;
    return true;
  }
}
