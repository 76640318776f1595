// The whole prediction: every mode at the snapshot's size, on a doubling grid around it (the charts and
// the break points), and at 2× and 10× the Services; a recommendation. Simulator time is kept apart.
import { ProxyConfig } from "../snapshot/proxy-config";
import { endpointSpread, Snapshot } from "../snapshot/snapshot";
import { breakPoint, BreakPoint, broken, Check, CHECKS, Limits } from "./breaking";
import { Churn, endpointWeights, poissonChurn } from "./churn";
import { evaluate, ModePrediction } from "./evaluate";
import { PredictMode } from "./modes";
import { Release } from "./release";
import { SyncCost } from "./sync-cost";

export const PREDICT_SCHEMA = "svcbench-predict/1";
/** The grid runs from 1/8 to 32 times the snapshot's Services, on while a limit is not reached, to at most this many. */
export const MAX_SCALED_SERVICES = 2_000_000;
const GRID = [1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16, 32];

export type ChurnSpec = { readonly rate: number } | { readonly trace: Churn };

export interface PredictInput {
  readonly snapshot: Snapshot;
  readonly config: ProxyConfig;
  readonly model: SyncCost;
  readonly release: Release;
  readonly churn: ChurnSpec;
  readonly durationMs: number;
  readonly seed: number;
  readonly limits: Limits;
  readonly modes: readonly PredictMode[];
  readonly progress?: (what: string, done: number, total: number) => void;
}

export interface Prediction {
  readonly schema: typeof PREDICT_SCHEMA;
  readonly snapshot: {
    source: string;
    node: string;
    counts: Snapshot["counts"];
    not_modelled: Record<string, number>;
    by_type: Record<string, number>;
    by_policy: Record<string, number>;
    endpoints_per_service: ReturnType<typeof endpointSpread>;
  };
  readonly config: ProxyConfig;
  readonly profile: { name: string; machine: string; date: string; cost: Record<string, string> };
  readonly release: { tag: string; runner: string; burst_syncs: number; full_sync_period_s: number };
  readonly churn: { source: string; changes: number; per_second: number; unknown_services: number };
  readonly duration_s: number;
  readonly slo_s: number;
  readonly first_packet_slo_us: number;
  readonly modes: ModePrediction[];
  /** Per costed mode (a mode that is not calibrated has no break points). */
  readonly breaking: ({ mode: PredictMode } & Record<Check, BreakPoint>)[];
  readonly what_if: { factor: number; modes: ModePrediction[] }[];
  readonly grid: ModePrediction[];
  readonly recommendation: string;
  /** Simulator time (this process), not node time. */
  readonly simulator_ms: number;
}

function churnFor(inp: PredictInput, total: number): Churn {
  const s = inp.snapshot.services;
  if ("rate" in inp.churn)
    return poissonChurn(
      inp.churn.rate,
      inp.durationMs,
      endpointWeights(
        s.map((x) => x.endpoints),
        total,
      ),
      inp.seed,
    );
  const tr = inp.churn.trace;
  if (total >= s.length) return tr;
  const keep = [...tr.service.keys()].filter((i) => tr.service[i] < total);
  return { ...tr, t: Float64Array.from(keep, (i) => tr.t[i]), service: Int32Array.from(keep, (i) => tr.service[i]) };
}

export function predict(inp: PredictInput): Prediction {
  const t0 = performance.now();
  const n = inp.snapshot.services.length;
  const sizes = [...new Set(GRID.map((g) => Math.max(1, Math.round(n * g))).filter((x) => x <= MAX_SCALED_SERVICES))];
  const churns = new Map<number, Churn>();
  const churnAt = (total: number) => churns.get(total) ?? churns.set(total, churnFor(inp, total)).get(total)!;
  let done = 0;
  const total = inp.modes.length * (sizes.length + 6 + 1 + CHECKS.length * 3);
  // Each mode and size once: the grid, the bisections and what-if meet at the same sizes.
  const seen = new Map<string, ModePrediction>();
  const evalAt = (mode: PredictMode, services: number) => {
    inp.progress?.(`${mode} at ${services} Services`, done++, total);
    const key = `${mode}|${services}`;
    let p = seen.get(key);
    if (!p)
      seen.set(
        key,
        (p = evaluate({
          mode,
          services: inp.snapshot.services,
          total: services,
          churn: churnAt(services),
          config: inp.config,
          release: inp.release,
          model: inp.model,
          durationMs: inp.durationMs,
        })),
      );
    return p;
  };
  const modes: ModePrediction[] = [],
    grid: ModePrediction[] = [],
    tenfold: ModePrediction[] = [];
  const breaking: Prediction["breaking"] = [];
  for (const mode of inp.modes) {
    const g = sizes.map((s) => evalAt(mode, s));
    if (inp.model.source[mode] === "not calibrated") {
      // Counts only (what it holds): no timeline to cost, so no break points.
      grid.push(...g);
      modes.push(g.find((p) => p.services === n)!);
      tenfold.push(evalAt(mode, n * 10));
      continue;
    }
    // Doubling on past 32× while some limit still holds at the largest size.
    for (
      let s = g[g.length - 1].services * 2;
      s <= MAX_SCALED_SERVICES && CHECKS.some((c) => !broken(g[g.length - 1], c, inp.limits));
      s *= 2
    )
      g.push(evalAt(mode, s));
    grid.push(...g);
    modes.push(g.find((p) => p.services === n)!);
    tenfold.push(evalAt(mode, n * 10));
    const bp = Object.fromEntries(
      CHECKS.map((c) => [c, breakPoint(g, c, inp.limits, (s) => evalAt(mode, s))]),
    ) as Record<Check, BreakPoint>;
    breaking.push({ mode, ...bp });
  }
  const s = inp.snapshot;
  const byType: Record<string, number> = {},
    byPolicy: Record<string, number> = {};
  for (const x of s.services) {
    byType[x.type] = (byType[x.type] ?? 0) + 1;
    const pol = `${x.externalTrafficPolicyLocal && x.type !== "ClusterIP" ? "external Local" : "external Cluster"}, ${x.internalTrafficPolicyLocal ? "internal Local" : "internal Cluster"}`;
    byPolicy[pol] = (byPolicy[pol] ?? 0) + 1;
  }
  const base = churnAt(n);
  return {
    schema: PREDICT_SCHEMA,
    snapshot: {
      source: s.source,
      node: s.node,
      counts: s.counts,
      not_modelled: s.notModelled,
      by_type: byType,
      by_policy: byPolicy,
      endpoints_per_service: endpointSpread(s.services),
    },
    config: inp.config,
    profile: { name: inp.model.name, machine: inp.model.machine, date: inp.model.date, cost: { ...inp.model.source } },
    release: {
      tag: inp.release.tag,
      runner: inp.release.runner,
      burst_syncs: inp.release.burstSyncs,
      full_sync_period_s: inp.release.fullSyncPeriodMs / 1000,
    },
    churn: {
      source: base.source,
      changes: base.t.length,
      per_second: base.t.length / (inp.durationMs / 1000),
      unknown_services: base.unknown,
    },
    duration_s: inp.durationMs / 1000,
    slo_s: inp.limits.sloS,
    first_packet_slo_us: inp.limits.firstPacketSloUs,
    modes,
    breaking,
    what_if: [
      { factor: 2, modes: grid.filter((p) => p.services === n * 2) },
      { factor: 10, modes: tenfold },
    ],
    grid,
    recommendation: recommend(modes, breaking, inp.limits),
    simulator_ms: performance.now() - t0,
  };
}

/**
 * The kube-proxy mode that meets every limit at this size with the most room before its first break; ipvs
 * only if nothing else does. ebpf replaces kube-proxy (Cilium): named after it when it has more room.
 */
export function recommend(modes: readonly ModePrediction[], breaking: Prediction["breaking"], l: Limits): string {
  const costed = modes.filter((p) => p.cost !== "not calibrated");
  const ok = costed.filter((p) => CHECKS.every((c) => !broken(p, c, l)));
  const room = (m: PredictMode) => {
    const b = breaking.find((x) => x.mode === m)!;
    return Math.min(...CHECKS.map((c) => (b[c].bound === "above" ? Infinity : b[c].services)));
  };
  const rank = (a: ModePrediction, b: ModePrediction) =>
    Number(a.mode === "ipvs") - Number(b.mode === "ipvs") || room(b.mode) - room(a.mode) || a.cpu_share - b.cpu_share;
  const limitAt = (m: PredictMode) => {
    const r = room(m),
      top = breaking.find((x) => x.mode === m)!.npl_slo.services;
    return Number.isFinite(r)
      ? `its first limit is reached at about ${r.toLocaleString("en-US")} Services`
      : `no limit is reached up to ${top.toLocaleString("en-US")} Services`;
  };
  const why = (p: ModePrediction) =>
    `network-programming p99 ${p.npl_p99_s.toPrecision(3)} s (SLO ${l.sloS} s), ${(p.cpu_share * 100).toPrecision(3)}% of a core syncing, first packet +${p.first_packet_mean_us.toPrecision(3)} µs on average`;
  const kubeProxy = ok.filter((p) => p.mode !== "ebpf").sort(rank);
  const ebpf = ok.find((p) => p.mode === "ebpf");
  const alt = (best?: ModePrediction) =>
    ebpf && (!best || room("ebpf") > room(best.mode))
      ? ` Replacing kube-proxy with Cilium's eBPF load balancing (ebpf) gives more room: ${why(ebpf)}; ${limitAt("ebpf")}.`
      : "";
  if (kubeProxy.length === 0) {
    if (costed.length === 0) return "No mode could be costed: the profile calibrates none of the modes asked for.";
    const least =
      [...costed].filter((p) => p.mode !== "ebpf").sort((a, b) => a.npl_p99_s - b.npl_p99_s)[0] ?? costed[0];
    return `No kube-proxy mode meets every limit at ${least.services} Services; the least bad is ${least.mode} (network-programming p99 ${least.npl_p99_s.toPrecision(3)} s against ${l.sloS} s).${alt()}`;
  }
  const best = kubeProxy[0];
  return `Recommended: ${best.mode}${best.mode === "ipvs" ? " (deprecated, KEP-5495; its tool costs assumed; only it meets every limit)" : ""}: ${why(best)}; ${limitAt(best.mode)}.${alt(best)}`;
}
