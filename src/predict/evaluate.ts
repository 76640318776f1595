// One mode's prediction for one cluster size: the counts (counts.ts), the sync timeline (timeline.ts)
// costed by the profile (cost-model.ts), and the figures kube-proxy's own metrics would show:
// network_programming_duration_seconds (change → rules applied), sync_proxy_rules_duration_seconds
// (full and partial), the share of a core syncing, rules held, bytes written, the first packet.
import { ProxyConfig } from "../snapshot/proxy-config";
import { SnapshotService } from "../snapshot/snapshot";
import { Churn } from "./churn";
import { SyncCostModel, SyncCounts } from "./cost-model";
import { ClusterCounts, countCluster } from "./counts";
import { CONFIG_MODE, PredictMode } from "./modes";
import { Release } from "./release";
import { RunnerParams } from "./runner";
import { simulate, SyncWork } from "./timeline";

export interface ModePrediction {
  readonly mode: PredictMode;
  readonly services: number;
  readonly service_ports: number;
  readonly endpoints: number;
  readonly min_sync_period_s: number;
  readonly changes: number;
  readonly syncs_per_hour: number;
  readonly full_syncs: number;
  /** network_programming_duration_seconds quantiles (s). */
  readonly npl_p50_s: number;
  readonly npl_p90_s: number;
  readonly npl_p99_s: number;
  /** sync_proxy_rules_duration_seconds (ms): partial syncs seen in the period, and a full sync. */
  readonly sync_partial_p50_ms: number;
  readonly sync_partial_p99_ms: number;
  readonly sync_full_p50_ms: number;
  readonly sync_full_p99_ms: number;
  /** Of a partial sync's median, the share that is kube-proxy's own loop (the rest is the tool and kernel). */
  readonly loop_share: number;
  /** Node time syncing over the period: share of one core (kube-proxy and the tools). */
  readonly cpu_share: number;
  readonly held: number;
  readonly bytes_per_hour: number;
  /** First packet's added latency (µs): mean over Services, and the worst Service. */
  readonly first_packet_mean_us: number;
  readonly first_packet_worst_us: number;
  readonly memory_bytes: number | null;
  /** False when syncs run back to back (≥ 95% of the period busy): changes pile up. */
  readonly keeps_up: boolean;
  readonly calibrated: boolean;
}

export interface EvalInput {
  readonly mode: PredictMode;
  readonly services: readonly SnapshotService[];
  /** Services after scaling (Service j is services[j % services.length]). */
  readonly total: number;
  readonly churn: Churn;
  readonly config: ProxyConfig;
  readonly release: Release;
  readonly model: SyncCostModel;
  readonly durationMs: number;
}

export const BUSY_LIMIT = 0.95;

export function runnerFor(mode: PredictMode, config: ProxyConfig, release: Release): RunnerParams {
  const timing = config[CONFIG_MODE[mode]];
  // iptables and nftables pass time.Hour / FullSyncPeriod as maxInterval; ipvs passes syncPeriod.
  const max = mode === "ipvs" ? timing.syncPeriodMs : release.fullSyncPeriodMs;
  return { kind: release.runner, minIntervalMs: timing.minSyncPeriodMs, maxIntervalMs: Math.max(max, timing.minSyncPeriodMs, 1), burst: release.burstSyncs };
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1 < 0 ? 0 : Math.ceil(q * sorted.length) - 1)];
}

export function syncCounts(c: ClusterCounts, w: SyncWork): SyncCounts {
  const lines = w.full ? c.full.lines : c.partialBase.lines + w.sums[0];
  return {
    full: w.full, servicePortsVisited: c.servicePorts, endpointsCategorized: c.endpoints, linesWritten: lines, held: c.held,
    netlinkCalls: c.mode === "ipvs" ? c.netlinkReads + (w.full ? c.full.rules : w.sums[1]) : 0,
  };
}

export function evaluate(inp: EvalInput): ModePrediction {
  const { mode, services, total, model } = inp;
  // --cluster-cidr is in every masquerade rule's text; the renderers take it as kube-proxy does.
  const counts = countCluster(mode, services, inp.release.largeClusterEndpoints, total, inp.config.clusterCIDR);
  const ports = Int32Array.from(services, (s) => s.ports), endpoints = Int32Array.from(services, (s) => s.endpoints);
  const runner = runnerFor(mode, inp.config, inp.release);
  const durations: number[] = [], fullDurations: number[] = [], loopShares: number[] = [];
  let bytes = 0;
  const costMs = (w: SyncWork) => {
    const p = model.sync(mode, syncCounts(counts, w));
    return { ms: (p.loopNs + p.toolNs) / 1e6, loop: p.loopNs / (p.loopNs + p.toolNs) };
  };
  const tl = simulate({
    churn: inp.churn, ports, endpoints, services: total, columns: counts.perService, runner, durationMs: inp.durationMs,
    fullSyncPeriodMs: mode === "ipvs" ? undefined : inp.release.fullSyncPeriodMs,
    syncMs: (w) => {
      const { ms, loop } = costMs(w);
      (w.full ? fullDurations : durations).push(ms);
      if (!w.full) loopShares.push(loop);
      bytes += w.full ? counts.full.bytes : counts.partialBase.bytes + w.sums[2];
      return ms;
    },
  });
  const fullOnce = costMs({ full: true, changedServices: total, changedServicePorts: counts.servicePorts, changedEndpoints: counts.endpoints, sums: [0, 0, 0] }).ms;
  if (fullDurations.length === 0) fullDurations.push(fullOnce);
  const sorted = (v: ArrayLike<number>) => Float64Array.from(v).sort();
  const lat = sorted(tl.latency), part = sorted(durations), fulls = sorted(fullDurations), loops = sorted(loopShares);
  const busy = tl.busyMs / inp.durationMs;
  const hours = inp.durationMs / 3600000;
  const ksvc = counts.kubeServicesRules;
  return {
    mode, services: total, service_ports: counts.servicePorts, endpoints: counts.endpoints,
    min_sync_period_s: runner.minIntervalMs / 1000,
    changes: inp.churn.t.length,
    syncs_per_hour: tl.syncsInPeriod / hours,
    full_syncs: tl.full.reduce((a, b) => a + b, 0),
    npl_p50_s: quantile(lat, 0.5) / 1000, npl_p90_s: quantile(lat, 0.9) / 1000, npl_p99_s: quantile(lat, 0.99) / 1000,
    sync_partial_p50_ms: quantile(part, 0.5), sync_partial_p99_ms: quantile(part, 0.99),
    sync_full_p50_ms: quantile(fulls, 0.5), sync_full_p99_ms: quantile(fulls, 0.99),
    loop_share: quantile(loops, 0.5),
    cpu_share: busy,
    held: counts.held,
    bytes_per_hour: bytes / hours,
    // kube-proxy writes KUBE-SERVICES in Go map order: a Service's rule sits anywhere; on average
    // (rules+1)/2 rules are walked, the last one walks all.
    first_packet_mean_us: model.firstPacketNs(mode, (ksvc + 1) / 2, counts.held) / 1000,
    first_packet_worst_us: model.firstPacketNs(mode, ksvc, counts.held) / 1000,
    memory_bytes: model.memoryBytes(mode, counts.held) ?? null,
    keeps_up: busy < BUSY_LIMIT,
    calibrated: model.calibrated[mode],
  };
}
