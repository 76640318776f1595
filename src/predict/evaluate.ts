// One mode's prediction for one cluster size: the counts (counts.ts), the sync timeline (timeline.ts)
// costed by the calibration profile (sync-cost.ts), and the figures kube-proxy's own metrics would show:
// network_programming_duration_seconds (change → rules applied), sync_proxy_rules_duration_seconds
// (full and partial), the share of a core syncing, rules held, bytes written, the first packet.
import { MAX_SERVICE_ID } from "../proxy/ebpf/proxier";
import { nodeConfigOf, ProxyConfig } from "../snapshot/proxy-config";
import { SnapshotService } from "../snapshot/snapshot";
import { percentile, percentiles } from "../util/stats";
import { Churn } from "./churn";
import { ClusterCounts, countCluster } from "./counts";
import { CONFIG_MODE, PredictMode } from "./modes";
import { Release } from "./release";
import { RunnerParams } from "../proxy/sync-runner";
import { CostSource, SyncCost, SyncCounts } from "./sync-cost";
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
  /** False when the table passes a hard limit of the mode (ebpf: more frontends than Cilium's 16-bit service IDs). */
  readonly fits: boolean;
  /** How the tool's cost is known: measured (the profile), assumed (ipvs), or not calibrated (no figures). */
  readonly cost: CostSource;
  /** Some sync cost lies beyond the profile's measured sizes. */
  readonly extrapolated: boolean;
  /** Features this mode's proxier does not follow: service ports using each (1 for a node setting). */
  readonly not_modelled: Readonly<Record<string, number>>;
}

interface EvalInput {
  readonly mode: PredictMode;
  readonly services: readonly SnapshotService[];
  /** Services after scaling (Service j is services[j % services.length]). */
  readonly total: number;
  readonly churn: Churn;
  readonly config: ProxyConfig;
  readonly release: Release;
  readonly model: SyncCost;
  readonly durationMs: number;
}

const BUSY_LIMIT = 0.95;

function runnerFor(mode: PredictMode, config: ProxyConfig, release: Release): RunnerParams {
  const which = CONFIG_MODE[mode];
  // ebpf (Cilium's agent): every change programmed as it comes, no periodic resync of the maps.
  if (which === undefined) return { kind: "cooldown", minIntervalMs: 0, maxIntervalMs: Infinity, burst: 1 };
  const timing = config[which];
  // iptables and nftables pass time.Hour / FullSyncPeriod as maxInterval; ipvs passes syncPeriod.
  const max = mode === "ipvs" ? timing.syncPeriodMs : release.fullSyncPeriodMs;
  return {
    kind: release.runner,
    minIntervalMs: timing.minSyncPeriodMs,
    maxIntervalMs: Math.max(max, timing.minSyncPeriodMs, 1),
    burst: release.burstSyncs,
  };
}

function syncCounts(c: ClusterCounts, w: SyncWork): SyncCounts {
  // kube-proxy's loop visits every service port each sync; Cilium's agent only the changed Services'.
  const all = w.full || c.mode !== "ebpf";
  return {
    full: w.full,
    portsVisited: all ? c.servicePorts : w.changedServicePorts,
    endpointsCategorized: all ? c.endpoints : w.changedEndpoints,
    linesWritten: w.full ? c.full.lines : c.partialBase.lines + w.sums[0],
    bytesWritten: w.full ? c.full.bytes : c.partialBase.bytes + w.sums[2],
    netlinkWrites: w.full ? c.full.rules : w.sums[1],
  };
}

/** What a partial sync carrying one change writes, on average over the Services changes fall on. */
function oneChangeBytes(c: ClusterCounts, services: readonly SnapshotService[]): number {
  let w = 0,
    sum = 0;
  services.forEach((s, i) => {
    w += s.endpoints;
    sum += s.endpoints * c.perService[2][i];
  });
  return c.partialBase.bytes + (w > 0 ? sum / w : 0);
}

/** What a mode the profile does not calibrate is given for its syncs: nothing (counts only). */
const NOT_COSTED = {
  syncs_per_hour: NaN,
  full_syncs: NaN,
  npl_p50_s: NaN,
  npl_p90_s: NaN,
  npl_p99_s: NaN,
  sync_partial_p50_ms: NaN,
  sync_partial_p99_ms: NaN,
  sync_full_p50_ms: NaN,
  sync_full_p99_ms: NaN,
  loop_share: NaN,
  cpu_share: NaN,
  bytes_per_hour: NaN,
  keeps_up: true,
  extrapolated: false,
} as const;

/** The period's syncs on the timeline, each costed by the model: their durations, loop shares and bytes written. */
function costedSyncs(inp: EvalInput, counts: ClusterCounts, runner: RunnerParams) {
  const { mode, services, total, model } = inp;
  const cost = model.syncCost(counts, oneChangeBytes(counts, services));
  const durations: number[] = [],
    fullDurations: number[] = [],
    loopShares: number[] = [];
  let bytes = 0,
    extrapolated = false;
  const costMs = (w: SyncWork) => {
    const sc = syncCounts(counts, w);
    const p = cost(sc);
    extrapolated ||= p.extrapolated;
    return { ms: (p.loopNs + p.toolNs) / 1e6, loop: p.loopNs / (p.loopNs + p.toolNs), bytes: sc.bytesWritten };
  };
  const tl = simulate({
    churn: inp.churn,
    ports: Int32Array.from(services, (s) => s.ports),
    endpoints: Int32Array.from(services, (s) => s.endpoints),
    services: total,
    columns: counts.perService,
    runner,
    durationMs: inp.durationMs,
    fullSyncPeriodMs: mode === "ipvs" || mode === "ebpf" ? undefined : inp.release.fullSyncPeriodMs,
    syncMs: (w) => {
      const { ms, loop, bytes: written } = costMs(w);
      (w.full ? fullDurations : durations).push(ms);
      if (!w.full) loopShares.push(loop);
      bytes += written;
      return ms;
    },
  });
  // A full sync's duration is given even when the period holds none (a restart's first sync).
  if (fullDurations.length === 0)
    fullDurations.push(
      costMs({
        full: true,
        changedServices: total,
        changedServicePorts: counts.servicePorts,
        changedEndpoints: counts.endpoints,
        sums: [0, 0, 0],
      }).ms,
    );
  return { tl, durations, fullDurations, loopShares, bytes, extrapolated };
}

export function evaluate(inp: EvalInput): ModePrediction {
  const { mode, services, total, model } = inp;
  // --cluster-cidr is in every masquerade rule's text; the renderers take it as kube-proxy does.
  const counts = countCluster(mode, services, inp.release.largeClusterEndpoints, total, nodeConfigOf(inp.config));
  const runner = runnerFor(mode, inp.config, inp.release);
  const hours = inp.durationMs / 3600000;
  const fp = model.firstPacket(counts, total);
  const common = {
    mode,
    services: total,
    service_ports: counts.servicePorts,
    endpoints: counts.endpoints,
    min_sync_period_s: runner.minIntervalMs / 1000,
    changes: inp.churn.t.length,
    held: counts.held,
    first_packet_mean_us: fp.meanNs / 1000,
    first_packet_worst_us: fp.worstNs / 1000,
    memory_bytes: null,
    cost: model.source[mode],
    not_modelled: counts.notModelled,
    fits: mode !== "ebpf" || counts.virtualServers < MAX_SERVICE_ID,
  };
  if (model.source[mode] === "not calibrated") return { ...common, ...NOT_COSTED };
  const { tl, durations, fullDurations, loopShares, bytes, extrapolated } = costedSyncs(inp, counts, runner);
  const busy = tl.busyMs / inp.durationMs;
  const [npl50, npl90, npl99] = percentiles(tl.latency, [0.5, 0.9, 0.99]),
    [part50, part99] = percentiles(durations, [0.5, 0.99]);
  const [full50, full99] = percentiles(fullDurations, [0.5, 0.99]);
  return {
    ...common,
    syncs_per_hour: tl.syncsInPeriod / hours,
    full_syncs: tl.full.reduce((a, b) => a + b, 0),
    npl_p50_s: npl50 / 1000,
    npl_p90_s: npl90 / 1000,
    npl_p99_s: npl99 / 1000,
    sync_partial_p50_ms: part50,
    sync_partial_p99_ms: part99,
    sync_full_p50_ms: full50,
    sync_full_p99_ms: full99,
    loop_share: percentile(loopShares, 0.5),
    cpu_share: busy,
    bytes_per_hour: bytes / hours,
    keeps_up: busy < BUSY_LIMIT,
    extrapolated,
  };
}
