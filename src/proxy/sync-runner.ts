// BoundedFrequencyRunner (kubernetes pkg/util/async/bounded_frequency_runner.go, used by every
// proxier as "sync-runner"): Run() asks for a sync; syncs happen at most once per minInterval with a
// burst of 2 (a token bucket), so changes arriving meanwhile collapse into one sync; RetryAfter(interval)
// makes the timer run it again by then (a failed sync asks for one a syncPeriod on). Time is simulated.
import { SvcbenchError } from "../core";

export const DEFAULT_MIN_SYNC_PERIOD_MS = 1000;
export const DEFAULT_BURST_SYNCS = 2;
/** kube-proxy --iptables-sync-period / --nftables-sync-period / --ipvs-sync-period default. */
export const DEFAULT_SYNC_PERIOD_MS = 30000;

export class BoundedFrequencyRunner {
  private tokens: number;
  private at = 0;
  private wanted = false;
  /** When the timer runs the function again (RetryAfter); undefined: no retry asked. */
  private retryAt?: number;
  /** Syncs granted so far. */
  runs = 0;

  constructor(
    readonly minIntervalMs = DEFAULT_MIN_SYNC_PERIOD_MS,
    readonly burst = DEFAULT_BURST_SYNCS,
  ) {
    if (!(minIntervalMs >= 0) || !Number.isInteger(burst) || burst < 1) {
      throw new SvcbenchError(
        `sync runner: min interval must be >= 0 ms and burst >= 1, got ${minIntervalMs} ms, ${burst}`,
      );
    }
    this.tokens = burst;
  }

  /** Run(): a sync is wanted. */
  run(): void {
    this.wanted = true;
  }

  /** RetryAfter(interval): run again no later than now + interval (the soonest asked wins). */
  retryAfter(now: number, intervalMs: number): void {
    this.retryAt = Math.min(this.retryAt ?? Infinity, now + intervalMs);
  }

  get pending(): boolean {
    return this.wanted || this.retryAt !== undefined;
  }

  /** Tokens at now: one more every minInterval, at most burst (flowcontrol token bucket). */
  private refill(now: number): void {
    if (now > this.at) {
      this.tokens =
        this.minIntervalMs === 0
          ? this.burst
          : Math.min(this.burst, this.tokens + (now - this.at) / this.minIntervalMs);
      this.at = now;
    }
  }

  /** When the wanted (or retried) sync may run (now or later); undefined if none is. */
  dueAt(now: number): number | undefined {
    if (!this.pending) return undefined;
    this.refill(now);
    const allowed = this.tokens >= 1 ? now : now + Math.ceil((1 - this.tokens) * this.minIntervalMs);
    // The timer's run (tryRun) needs a token too: the retry runs at retryAt or when one is there.
    return Math.min(
      this.wanted ? allowed : Infinity,
      this.retryAt === undefined ? Infinity : Math.max(this.retryAt, allowed),
    );
  }

  /** Takes the sync if one is due at now; a run resets the timer, so a pending retry is spent. */
  take(now: number): boolean {
    if (this.dueAt(now) !== now) return false;
    this.tokens -= 1;
    this.wanted = false;
    this.retryAt = undefined;
    this.runs++;
    return true;
  }
}
