// The calibration profile in REPORT.md: each cost function with its fit error, the held-out sizes
// predicted against their measurements, the 2× first-packet crossover, and why a prediction misses.
import { costAt } from "../calibrate/cost";
import { Crossover } from "../calibrate/crossover";
import { CostFunction, Profile } from "../calibrate/schema";
import { mdTable, num } from "./markdown";
import { fmtTime } from "./table";

/** The held-out target: within ±25% at N ≥ 1k; the crossover within ±30%. */
export const HELD_OUT_TARGET_PCT = 25;
export const HELD_OUT_MIN_N = 1000;
export const CROSSOVER_TARGET_PCT = 30;

export const pct = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? "-" : `${v >= 0 ? "+" : ""}${v.toFixed(0)}%`;
const unit: Record<CostFunction["driver"], string> = {
  bytes_written: "bytes written",
  bytes_held: "bytes held",
  rules_walked: "rules walked",
  services: "Services",
};

export function functionTable(p: Profile): string {
  return mdTable(
    ["backend", "step", "x", "a", "b", "k", "fit error (RMS / max)", "points"],
    p.functions.map((f) => [
      f.backend,
      f.step,
      unit[f.driver],
      fmtTime(f.a_ns),
      f.b.toPrecision(3),
      f.k.toFixed(2),
      f.points.length <= 3 && f.driver !== "services"
        ? `${f.fit_error.rms_pct.toFixed(1)}% / ${f.fit_error.max_pct.toFixed(1)}% (${f.points.length} points, 3 parameters)`
        : `${f.fit_error.rms_pct.toFixed(1)}% / ${f.fit_error.max_pct.toFixed(1)}%`,
      f.points.map((q) => num(q.n)).join(", "),
    ]),
  );
}

export const judged = (f: CostFunction) => f.held_out.filter((h) => h.n >= HELD_OUT_MIN_N);
export const misses = (p: Profile) =>
  p.functions.flatMap((f) =>
    judged(f)
      .filter((h) => Math.abs(h.error_pct) > HELD_OUT_TARGET_PCT)
      .map((h) => ({ f, h })),
  );

export function heldOutTable(p: Profile): string {
  const rows = p.functions.flatMap((f) =>
    f.held_out.map((h) => [
      f.backend,
      f.step,
      num(h.n),
      fmtTime(h.measured_ns),
      fmtTime(h.predicted_ns),
      pct(h.error_pct),
      h.n < HELD_OUT_MIN_N ? "(N < 1k)" : Math.abs(h.error_pct) <= HELD_OUT_TARGET_PCT ? "yes" : "**no**",
    ]),
  );
  return rows.length === 0
    ? "No backend step has an interior size to hold out (it needs three sizes or more)."
    : mdTable(
        ["backend", "step", "N held out", "measured", "predicted", "error", `within ±${HELD_OUT_TARGET_PCT}%`],
        rows,
      );
}

/**
 * Local log-log slopes between consecutive measured sizes: a form with one large-x slope misses where they
 * keep rising.
 */
const localSlopes = (f: CostFunction) =>
  f.points.slice(1).map((q, i) => Math.log(q.t_ns / f.points[i].t_ns) / Math.log(q.x / f.points[i].x));

export function missNotes(p: Profile): string[] {
  const seen = new Set<CostFunction>();
  const out: string[] = [];
  for (const { f } of misses(p)) {
    if (seen.has(f)) continue;
    seen.add(f);
    const s = localSlopes(f)
      .map((v) => v.toFixed(2))
      .join(" → ");
    const probe = p.connect.find((c) => c.backend === f.backend)?.per_rule ?? [];
    const why =
      f.step === "connect"
        ? `the cost per rule walked is not constant ` +
          `(${probe.map((r) => `${r.ns.toFixed(0)} ns at ${num(r.n)}`).join(", ")}), as if the walk slowed ` +
          `once the ruleset outgrows the CPU caches (not measured here), so the curve bends between the small ` +
          `sizes and the large ones`
        : f.lower_bounds.length > 0 && f.points.length <= 3
          ? "with a size over the time limit, only three sizes are left: holding one out leaves two points for a three-parameter form"
          : "the local slope is not settling to one value, so no single power carries from the outer sizes to the inner one";
    out.push(
      `${f.backend} ${f.step} misses (${judged(f)
        .map((h) => `${num(h.n)}: ${pct(h.error_pct)}`)
        .join(", ")}): local log-log slopes between measured sizes ${s}; ${why}.`,
    );
  }
  return out;
}

/** Steps over the limit and loads timed outside the samples, against what the profile predicts there. */
export function boundRows(p: Profile): (string | number)[][] {
  return p.functions.flatMap((f) => [
    ...f.lower_bounds.map((b) => [
      f.backend,
      f.step,
      num(b.n),
      `> ${fmtTime(b.t_ns)} (over the limit)`,
      fmtTime(costAt(f, b.x).ns),
      costAt(f, b.x).ns >= b.t_ns ? "consistent" : "**below the bound**",
    ]),
    ...f.checks.map((c) => [
      f.backend,
      f.step,
      num(c.n),
      `${fmtTime(c.t_ns)} (one untimed load)`,
      fmtTime(costAt(f, c.x).ns),
      pct((costAt(f, c.x).ns / c.t_ns - 1) * 100),
    ]),
  ]);
}

export function crossoverTable(cs: Crossover[]): string {
  return mdTable(
    [
      "iptables backend",
      "measured N (log-log between sizes)",
      "predicted N (all sizes)",
      "error",
      "predicted with one size held out",
    ],
    cs.map((c) => [
      c.backend,
      c.measured_n !== undefined ? num(c.measured_n) : "not reached",
      c.predicted_n !== undefined ? num(c.predicted_n) : "not reached",
      pct(c.error_pct),
      c.held_out
        .map(
          (h) => `without ${num(h.n)}: ${h.predicted_n !== undefined ? num(h.predicted_n) : "-"} (${pct(h.error_pct)})`,
        )
        .join("; ") || "-",
    ]),
  );
}
