// The sync suite's targets, judged from what a run measured: IPVS and nftables spend at
// most 1 µs of model work (proxier.sync alone: sync_ns) per endpoint change at 100k Services; an
// iptables partial sync is measurably cheaper than a full one from 10k Services on; a full sync grows
// about as O(N); and the nftables and ipvs syncs grow about as O(N) from 1k to 100k Services, as
// kube-proxy's per-sync loop over every service port does (the first target cannot hold once the model
// does that loop: it is kept to show how far the per-change work now is from it).
import { ProxyMode } from "../modes";
import { CaseResult, casesOf, SyncChangeCase, SyncScenario } from "./cases";
import { fitPoints } from "./fit";
import { fmtTime } from "./table";

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined: not measured in this run. */
  readonly met?: boolean;
}

const INCREMENTAL_N = 100_000;
const INCREMENTAL_NS_PER_CHANGE = 1000;
const PARTIAL_FROM_N = 10_000;
/** A log-log slope this close to 1 is "about O(N)". */
const LINEAR_SLOPE = [0.8, 1.2] as const;
const SCENARIOS: readonly SyncScenario[] = ["add-pod", "burst-100", "create-service"];

/** The sync suite's change cases (all but the userspace dials). */
export const changesOf = (all: readonly CaseResult[]) =>
  casesOf(all, "sync").filter((c) => c.scenario !== "dial-retries");
/** The endpoints per Service the cases were measured at, ascending. */
export const endpointCounts = (cases: readonly SyncChangeCase[]) =>
  [...new Set(cases.map((c) => c.endpoints))].sort((a, b) => a - b);
/** The case of one mode, change, N and E. */
export const findChange = (cases: readonly SyncChangeCase[], impl: ProxyMode, sc: SyncScenario, n: number, e: number) =>
  cases.find((c) => c.impl === impl && c.scenario === sc && c.n === n && c.endpoints === e);
const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

/** Model work per endpoint change: the sync alone over the endpoints that came with the change. */
export function perEndpointChange(c: SyncChangeCase): number | undefined {
  const t = c.sync_ns,
    n = c.endpoint_changes;
  return t === undefined || !(n > 0) ? undefined : t / n;
}

export function syncTargets(all: CaseResult[]): TargetCheck[] {
  const cases = changesOf(all);
  return [
    ...(["ipvs", "nftables"] as const).map((impl) => perChange(cases, impl)),
    partialCheaper(cases),
    fullLinear(cases),
    ...(["nftables", "ipvs"] as const).map((impl) => slopeTarget(cases, impl)),
  ];
}

/** At most INCREMENTAL_NS_PER_CHANGE of model work per endpoint change at INCREMENTAL_N Services. */
function perChange(cases: SyncChangeCase[], impl: ProxyMode): TargetCheck {
  const target = `${impl}: ≤ ${fmtTime(INCREMENTAL_NS_PER_CHANGE)} of model work per endpoint change at ${k(INCREMENTAL_N)} Services`;
  const at = cases.filter((c) => c.impl === impl && c.n === INCREMENTAL_N);
  if (at.length === 0) return { target, measured: `not measured at N=${k(INCREMENTAL_N)}` };
  const parts: string[] = [];
  let met = true;
  for (const e of endpointCounts(at)) {
    const per = SCENARIOS.flatMap((sc) => {
      const c = findChange(cases, impl, sc, INCREMENTAL_N, e);
      return c ? [[sc, perEndpointChange(c)] as const] : [];
    });
    met &&= per.every(([, v]) => v !== undefined && v <= INCREMENTAL_NS_PER_CHANGE);
    parts.push(`E=${e}: ${per.map(([sc, v]) => `${fmtTime(v)} (${sc})`).join(", ")}`);
  }
  return { target, measured: parts.join("; "), met };
}

/** An iptables partial sync is cheaper than a full one beyond both cases' margins of error, from PARTIAL_FROM_N up. */
function partialCheaper(cases: SyncChangeCase[]): TargetCheck {
  const target = `iptables partial sync measurably cheaper than full from ${k(PARTIAL_FROM_N)} Services`;
  const parts: string[] = [];
  let met: boolean | undefined;
  for (const n of [...new Set(cases.map((c) => c.n))].filter((n) => n >= PARTIAL_FROM_N).sort((a, b) => a - b)) {
    for (const e of endpointCounts(cases.filter((c) => c.n === n))) {
      const ratios = SCENARIOS.map((sc) => {
        const f = findChange(cases, "iptables-full", sc, n, e),
          p = findChange(cases, "iptables-partial", sc, n, e);
        if (f?.sync_ns === undefined || p?.sync_ns === undefined) return undefined;
        const r = f.sync_ns / p.sync_ns;
        // Beyond the noise: the ratio clears both cases' margins of error.
        met = (met ?? true) && r > 1 + (f.rme + p.rme) / 100;
        return `×${r.toFixed(1)} (${sc})`;
      }).filter(Boolean);
      if (ratios.length > 0) parts.push(`N=${k(n)} E=${e}: full/partial ${ratios.join(", ")}`);
    }
  }
  return { target, measured: parts.length > 0 ? parts.join("; ") : `not measured at N ≥ ${k(PARTIAL_FROM_N)}`, met };
}

/** An iptables full sync (one more pod) grows about as O(N). */
function fullLinear(cases: SyncChangeCase[]): TargetCheck {
  const target = `iptables full sync grows ~O(N) (log-log slope ${LINEAR_SLOPE[0]}..${LINEAR_SLOPE[1]})`;
  const parts: string[] = [];
  let met: boolean | undefined;
  for (const e of endpointCounts(cases)) {
    const pts = timedSyncs(
      cases.filter((c) => c.impl === "iptables-full" && c.scenario === "add-pod" && c.endpoints === e),
    );
    const fit = fitPoints(pts);
    if (!fit) continue;
    met = (met ?? true) && fit.loglog_slope >= LINEAR_SLOPE[0] && fit.loglog_slope <= LINEAR_SLOPE[1];
    const ns = pts.map((c) => c.n).sort((a, b) => a - b);
    parts.push(
      `add-pod E=${e}: ${fit.class}, slope ${fit.loglog_slope.toFixed(2)} over N=${k(ns[0])}..${k(ns[ns.length - 1])}`,
    );
  }
  return { target, measured: parts.length > 0 ? parts.join("; ") : "fewer than two sizes", met };
}

/**
 * kube-proxy's loop visits every service port each sync: the sync alone grows ~O(N) from 1k to 100k Services
 * at E = 2.
 */
const SLOPE_RANGE = [1000, 100_000] as const;

/** The cases with a sync time, as points of N and that time. */
const timedSyncs = (cases: SyncChangeCase[]) =>
  cases.flatMap((c) => (c.sync_ns === undefined ? [] : [{ n: c.n, t: c.sync_ns }]));

function slopeTarget(cases: SyncChangeCase[], impl: ProxyMode): TargetCheck {
  const target = `${impl} sync grows as kube-proxy's per-sync loop, ~O(N) (log-log slope ${LINEAR_SLOPE[0]}..${LINEAR_SLOPE[1]} of sync_ns over N=${k(SLOPE_RANGE[0])}..${k(SLOPE_RANGE[1])}, E=2)`;
  const parts: string[] = [];
  let met: boolean | undefined;
  for (const sc of SCENARIOS) {
    const pts = timedSyncs(
      cases.filter(
        (c) =>
          c.impl === impl && c.scenario === sc && c.endpoints === 2 && c.n >= SLOPE_RANGE[0] && c.n <= SLOPE_RANGE[1],
      ),
    );
    const ns = pts.map((c) => c.n).sort((a, b) => a - b);
    if (ns.length < 2 || ns[0] !== SLOPE_RANGE[0] || ns[ns.length - 1] !== SLOPE_RANGE[1]) continue;
    const fit = fitPoints(pts);
    if (!fit) continue;
    // burst-100 writes 100 Services whatever N is, a tenth of the cluster at 1k: shown, not judged.
    const judged = sc !== "burst-100";
    if (judged) met = (met ?? true) && fit.loglog_slope >= LINEAR_SLOPE[0] && fit.loglog_slope <= LINEAR_SLOPE[1];
    parts.push(
      `${sc}: slope ${fit.loglog_slope.toFixed(2)}${judged ? "" : " (not judged: its 100 written Services are a tenth of N=1k)"}`,
    );
  }
  return {
    target,
    measured: parts.length > 0 ? parts.join(", ") : `not measured over N=${k(SLOPE_RANGE[0])}..${k(SLOPE_RANGE[1])}`,
    met,
  };
}

/** A finding that counts the targets a run judged; each one, with its figures, is listed in the section named. */
export function targetsFinding(what: string, targets: readonly TargetCheck[], section: string): string | undefined {
  const count = (m: boolean | undefined) => targets.filter((t) => t.met === m).length;
  if (count(true) + count(false) === 0) return undefined;
  const notMeasured = count(undefined) > 0 ? `, ${count(undefined)} not measured in this run` : "";
  return `${what}: ${count(true)} met, ${count(false)} not met${notMeasured}; each with its figures under ${section}.`;
}

export function targetLine(t: TargetCheck): string {
  return `${t.met === undefined ? "not measured" : t.met ? "met" : "NOT met"}: ${t.target} — ${t.measured}`;
}
