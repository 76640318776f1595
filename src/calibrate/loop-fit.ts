// kube-proxy's loop per mode from the sync suite: each case's sync_ns (the model proxier's sync, V8
// time) against the work it counted — Service ports visited, endpoints categorized, bytes written — as
// non-negative per-unit costs, with each size left out of the fit and predicted from the others.
import { CaseResult, SyncChangeCase } from "../report/cases";
import { LOOP_MODES, LoopCost, LoopFit, LoopHeldOut, LoopMode } from "./schema";
import { nnls } from "./nnls";

/** A case the loop can be fitted to: its sync time and its work. */
export interface LoopCase {
  n: number;
  ports: number;
  endpoints: number;
  bytes: number;
  sync_ns: number;
}

const pos = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

export function loopCasesOf(all: readonly CaseResult[], impls: readonly string[]): LoopCase[] {
  return all.flatMap((r) => {
    if (r.suite !== "sync" || !impls.includes(r.impl)) return [];
    const c = r as SyncChangeCase;
    if (!pos(c.sync_ns) || c.sync_ns === 0) return [];
    if (!pos(c.svc_ports_visited) || !pos(c.endpoints_categorized) || !pos(c.bytes_written)) return [];
    return [
      {
        n: c.n,
        ports: c.svc_ports_visited,
        endpoints: c.endpoints_categorized,
        bytes: c.bytes_written,
        sync_ns: c.sync_ns,
      },
    ];
  });
}

type Costs = Pick<LoopFit, "per_port_ns" | "per_endpoint_ns" | "per_byte_ns">;

export const loopNsOf = (f: Costs, w: { ports: number; endpoints: number; bytes: number }) =>
  f.per_port_ns * w.ports + f.per_endpoint_ns * w.endpoints + f.per_byte_ns * w.bytes;

/** Plain (unweighted) least squares: the long syncs, which dominate a node's loop time, weigh most. */
function fitCosts(cases: readonly LoopCase[]): Costs {
  const [p, e, b] = nnls(
    cases.map((c) => [c.ports, c.endpoints, c.bytes]),
    cases.map((c) => c.sync_ns),
  );
  return { per_port_ns: p, per_endpoint_ns: e, per_byte_ns: b };
}

function errors(f: Costs, cases: readonly LoopCase[]): { rms_pct: number; max_pct: number } {
  const e = cases.map((c) => (loopNsOf(f, c) / c.sync_ns - 1) * 100);
  return {
    rms_pct: Math.sqrt(e.reduce((s, v) => s + v * v, 0) / e.length),
    max_pct: e.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0),
  };
}

/** Each size's cases predicted from a fit over the other sizes (only with at least two other sizes). */
function heldOut(cases: readonly LoopCase[], sizes: readonly number[]): LoopHeldOut[] {
  if (sizes.length < 3) return [];
  return sizes.map((n) => {
    const out = cases.filter((c) => c.n === n);
    return { n, cases: out.length, ...errors(fitCosts(cases.filter((c) => c.n !== n)), out) };
  });
}

export function fitLoopMode(mode: LoopMode, cases: readonly LoopCase[]): LoopFit {
  const sizes = [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);
  const costs = fitCosts(cases);
  return {
    mode,
    impls: [...LOOP_MODES[mode]],
    ...costs,
    cases: cases.length,
    sizes,
    fit_error: errors(costs, cases),
    held_out: heldOut(cases, sizes),
  };
}

/** Every mode the sync results count work for; undefined when they count none. */
export function fitLoop(all: readonly CaseResult[], source: LoopCost["source"]): LoopCost | undefined {
  const fits = (Object.keys(LOOP_MODES) as LoopMode[]).flatMap((mode) => {
    const cases = loopCasesOf(all, LOOP_MODES[mode]);
    return cases.length >= 3 ? [fitLoopMode(mode, cases)] : [];
  });
  return fits.length > 0 ? { source, fits } : undefined;
}
