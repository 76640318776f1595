// BoundedFrequencyRunner (kubernetes pkg/util/async/bounded_frequency_runner.go, used by every
// proxier as "sync-runner"): Run() asks for a sync; syncs happen at most once per minInterval with a
// burst of 2 (a token bucket), so changes arriving meanwhile collapse into one sync. Time is simulated.
import { SvcbenchError } from "../core";

export const DEFAULT_MIN_SYNC_PERIOD_MS = 1000;
export const DEFAULT_BURST_SYNCS = 2;

export class BoundedFrequencyRunner {
  private tokens: number;
  private at = 0;
  private wanted = false;
  /** Syncs granted so far. */
  runs = 0;

  constructor(readonly minIntervalMs = DEFAULT_MIN_SYNC_PERIOD_MS, readonly burst = DEFAULT_BURST_SYNCS) {
    if (!(minIntervalMs >= 0) || !Number.isInteger(burst) || burst < 1) {
      throw new SvcbenchError(`sync runner: min interval must be >= 0 ms and burst >= 1, got ${minIntervalMs} ms, ${burst}`);
    }
    this.tokens = burst;
  }

  /** Run(): a sync is wanted. */
  run(): void {
    this.wanted = true;
  }

  get pending(): boolean {
    return this.wanted;
  }

  /** Tokens at now: one more every minInterval, at most burst (flowcontrol token bucket). */
  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = this.minIntervalMs === 0 ? this.burst : Math.min(this.burst, this.tokens + (now - this.at) / this.minIntervalMs);
      this.at = now;
    }
  }

  /** When the wanted sync may run (now or later); undefined if none is wanted. */
  dueAt(now: number): number | undefined {
    if (!this.wanted) return undefined;
    this.refill(now);
    return this.tokens >= 1 ? now : now + Math.ceil((1 - this.tokens) * this.minIntervalMs);
  }

  /** Takes the sync if one is wanted and allowed at now. */
  take(now: number): boolean {
    if (this.dueAt(now) !== now) return false;
    this.tokens -= 1;
    this.wanted = false;
    this.runs++;
    return true;
  }
}
