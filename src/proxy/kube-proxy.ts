// kube-proxy on one node, as kubernetes cmd/kube-proxy wires pkg/proxy/config: informers deliver Service and
// EndpointSlice events to the proxier, each asks the sync runner for a sync, and the runner lets
// syncProxyRules start no sooner than --min-sync-period after the last one ended (no burst). A sync that
// fails is retried a --sync-period later (the runner's retryInterval). Time is simulated.
import { ClusterStore } from "../cluster/store";
import { eventOf } from "../cluster/events";
import { SvcbenchError } from "../core";
import { BoundedFrequencyRunner, DEFAULT_MIN_SYNC_PERIOD_MS, DEFAULT_SYNC_PERIOD_MS, RunnerKind } from "./sync-runner";
import { Proxier, SyncStats } from "./types";

interface KubeProxyOptions {
  readonly minSyncPeriodMs?: number;
  /** Which BoundedFrequencyRunner (default: the pinned release's, cooldown). */
  readonly runner?: RunnerKind;
  /** --sync-period: how long after a failed sync it is retried. */
  readonly syncPeriodMs?: number;
}

export class KubeProxy {
  readonly runner: BoundedFrequencyRunner;
  /** Simulated time (ms). */
  now = 0;
  lastSync?: SyncStats;
  /** Wall time of the last proxier.sync alone (ns): what kube-proxy's SyncProxyRulesLatency observes. */
  lastSyncNs = 0;
  /** Syncs that failed (the rules were left as they were; the runner retries), and the last error. */
  failedSyncs = 0;
  lastError?: SvcbenchError;
  readonly syncPeriodMs: number;
  private readonly unsubscribe: (() => void)[];

  constructor(
    readonly store: ClusterStore,
    readonly proxier: Proxier,
    opts: KubeProxyOptions = {},
  ) {
    this.runner = new BoundedFrequencyRunner(
      opts.minSyncPeriodMs ?? proxier.minSyncPeriodMs ?? DEFAULT_MIN_SYNC_PERIOD_MS,
      opts.runner,
    );
    this.syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    // The informers' initial list, then the watch.
    for (const s of store.services.values()) proxier.onServiceEvent(eventOf(undefined, s));
    for (const s of store.slices.values()) proxier.onSliceEvent(eventOf(undefined, s));
    this.runner.run();
    this.unsubscribe = [
      store.subscribe("Service", (e) => {
        proxier.onServiceEvent(e);
        if (proxier.pending()) this.runner.run();
      }),
      store.subscribe("EndpointSlice", (e) => {
        proxier.onSliceEvent(e);
        if (proxier.pending()) this.runner.run();
      }),
    ];
  }

  /**
   * Moves simulated time to t, running each sync the runner allows on the way; answers those that
   * succeeded. A failed sync is counted and retried a sync period later.
   */
  advance(t: number): SyncStats[] {
    const out: SyncStats[] = [];
    for (;;) {
      const due = this.runner.dueAt(this.now);
      if (due === undefined || due > t) break;
      this.now = due;
      if (!this.runner.take(this.now)) continue;
      const t0 = performance.now();
      try {
        out.push((this.lastSync = this.proxier.sync(this.now)));
        this.lastSyncNs = (performance.now() - t0) * 1e6;
      } catch (err) {
        if (!(err instanceof SvcbenchError)) throw err;
        this.failedSyncs++;
        this.lastError = err;
        this.runner.retryAfter(this.now, this.syncPeriodMs);
      }
    }
    this.now = Math.max(this.now, t);
    return out;
  }

  /**
   * Runs the wanted sync as soon as the runner allows (time moves forward to then); throws if it failed (a
   * retry stays armed).
   */
  flush(): SyncStats | undefined {
    const due = this.runner.dueAt(this.now);
    if (due === undefined) return undefined;
    const failed = this.failedSyncs;
    const [s] = this.advance(due);
    if (this.failedSyncs > failed) throw this.lastError!;
    return s;
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }
}
