// One node's sync timeline over the simulated period: each endpoint change asks for a sync (Run());
// the runner decides when syncs start (runner.ts); a sync takes the changes that arrived before it
// started, lasts what the cost model says, and every change it carries is programmed at its end. That
// end minus the change's time is the change's network-programming latency. iptables and nftables force a
// full sync when the last one is older than FullSyncPeriod (kubernetes pkg/proxy/iptables/proxier.go
// syncProxyRules: doFullSync := needFullSync || time.Since(lastFullSync) > proxyutil.FullSyncPeriod).
// The period opens half a maxInterval after the last sync and half a FullSyncPeriod after the last full
// one, so a 1 h period holds one forced full sync.
// Changes still waiting when the period ends are run to their sync (no new changes come) so each gets a latency.
import { Churn } from "./churn";
import { RunnerParams, SyncRunnerClock } from "../proxy/sync-runner";

export interface SyncWork {
  readonly full: boolean;
  /** Distinct Services whose changes this sync carries. */
  readonly changedServices: number;
  readonly changedServicePorts: number;
  readonly changedEndpoints: number;
  /** Σ over the changed Services of each per-Service column (TimelineInput.columns); valid during the syncMs call only. */
  readonly sums: ArrayLike<number>;
}

export interface TimelineInput {
  readonly churn: Churn;
  /** Per Service of the snapshot: service ports and ready endpoints; the churn's Service j is j % length. */
  readonly ports: Int32Array;
  readonly endpoints: Int32Array;
  /** Services of the (scaled) cluster: the churn's indices are below it. */
  readonly services: number;
  /** Per-Service quantities a sync sums over the Services it writes (lines, bytes, …). */
  readonly columns?: readonly Float64Array[];
  readonly runner: RunnerParams;
  readonly durationMs: number;
  /** undefined: the mode has no full/partial distinction (ipvs). */
  readonly fullSyncPeriodMs?: number;
  /** How long a sync with this work takes, ms of node time. */
  readonly syncMs: (w: SyncWork) => number;
}

export interface Timeline {
  /** Per sync: start, end (ms) and whether it was full. */
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly full: Uint8Array;
  readonly changedServices: Int32Array;
  /** Per change: network-programming latency, ms. */
  readonly latency: Float64Array;
  /** Syncs that started inside the period. */
  readonly syncsInPeriod: number;
  /** Node time spent syncing inside the period (ms). */
  readonly busyMs: number;
  /** The last change's sync ended this long after the period (0 if inside). */
  readonly overrunMs: number;
}

export function simulate(inp: TimelineInput): Timeline {
  const { churn, durationMs } = inp;
  const n = churn.t.length;
  // The period opens half way through the runner's maxInterval timer and the FullSyncPeriod.
  const clock = new SyncRunnerClock(inp.runner, -inp.runner.maxIntervalMs / 2);
  let lastFull = inp.fullSyncPeriodMs === undefined ? 0 : -inp.fullSyncPeriodMs / 2;
  const base = inp.ports.length;
  const stamp = new Int32Array(inp.services).fill(-1);
  const starts: number[] = [],
    ends: number[] = [],
    fulls: number[] = [],
    changed: number[] = [];
  const latency = new Float64Array(n);
  const cols = inp.columns ?? [];
  let i = 0,
    busy = 0,
    inPeriod = 0;
  const sums = new Float64Array(cols.length); // reused by every sync: a 1 h run has tens of thousands
  for (let k = 0; ; k++) {
    const start = clock.next(i < n ? churn.t[i] : Infinity);
    if (start >= durationMs && i >= n) break;
    if (start === Infinity) break;
    let services = 0,
      ports = 0,
      eps = 0,
      j = i;
    sums.fill(0);
    while (j < n && churn.t[j] <= start) {
      const s = churn.service[j++];
      if (stamp[s] !== k) {
        stamp[s] = k;
        services++;
        const b = s % base;
        ports += inp.ports[b];
        eps += inp.endpoints[b];
        for (let c = 0; c < cols.length; c++) sums[c] += cols[c][b];
      }
    }
    const full = inp.fullSyncPeriodMs !== undefined && start - lastFull > inp.fullSyncPeriodMs;
    const d = inp.syncMs({ full, changedServices: services, changedServicePorts: ports, changedEndpoints: eps, sums });
    const end = start + d;
    for (let c = i; c < j; c++) latency[c] = end - churn.t[c];
    i = j;
    if (full) lastFull = start;
    clock.ran(start, end);
    starts.push(start);
    ends.push(end);
    fulls.push(full ? 1 : 0);
    changed.push(services);
    if (start < durationMs) {
      inPeriod++;
      busy += Math.min(end, durationMs) - start;
    }
  }
  const lastEnd = ends.length ? ends[ends.length - 1] : 0;
  return {
    start: Float64Array.from(starts),
    end: Float64Array.from(ends),
    full: Uint8Array.from(fulls),
    changedServices: Int32Array.from(changed),
    latency,
    syncsInPeriod: inPeriod,
    busyMs: busy,
    overrunMs: Math.max(0, lastEnd - durationMs),
  };
}
