// Which quantity drives each kernel step, and its value for a measured case of kernel.json: the
// text the tool was handed, what the table held (the first load's text at the same N), or the
// KUBE-SERVICES rules the connect probe walked.
import { KernelCase } from "../report/cases";
import { Driver, MeasuredPoint, Step, STEPS } from "./schema";

const DRIVERS: Readonly<Record<Step, Driver>> = {
  "first-load": "bytes_written",
  "full-resync": "bytes_written",
  "partial-resync": "bytes_held",
  "add-service": "bytes_held",
  "delete-service": "bytes_held",
  connect: "rules_walked",
};

/** The driver of a step on a backend: a lookup that walks no rules (nft's verdict map) is a function of N. */
function driverOf(backend: string, step: Step, cases: readonly KernelCase[]): Driver {
  if (step !== "connect") return DRIVERS[step];
  return cases.some((c) => c.impl === backend && c.scenario === "connect" && c.rules_before !== undefined)
    ? "rules_walked"
    : "services";
}

const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);

/** The tool's cases (the model's own, impl model-*, are not a backend). */
export const isBackendCase = (c: KernelCase) => !c.impl.startsWith("model-") && STEPS.some((s) => s === c.scenario);

/** The driver's value for one case, or undefined when the file does not say. */
function driverValue(c: KernelCase, driver: Driver, cases: readonly KernelCase[]): number | undefined {
  switch (driver) {
    case "bytes_written":
      return finite(c.text_bytes);
    case "rules_walked":
      return finite(c.rules_before);
    case "services":
      return c.n;
    case "bytes_held": {
      const first = cases.find((f) => f.impl === c.impl && f.n === c.n && f.scenario === "first-load");
      return finite(first?.text_bytes);
    }
  }
}

export interface StepPoints {
  driver: Driver;
  points: MeasuredPoint[];
  lower_bounds: MeasuredPoint[];
  checks: MeasuredPoint[];
}

/** A backend step's medians, the lower bounds of its cases over the time limit, and their untimed loads. */
export function pointsOf(backend: string, step: Step, cases: readonly KernelCase[]): StepPoints {
  const driver = driverOf(backend, step, cases);
  const points: MeasuredPoint[] = [],
    lower_bounds: MeasuredPoint[] = [],
    checks: MeasuredPoint[] = [];
  for (const c of cases.filter((x) => x.impl === backend && x.scenario === step).sort((a, b) => a.n - b.n)) {
    const x = driverValue(c, driver, cases);
    if (x === undefined || !(x > 0)) continue;
    if (c.over_limit === true) {
      lower_bounds.push({ n: c.n, x, t_ns: c.median_ns });
      const untimed = finite(c.untimed_load_ns);
      if (untimed !== undefined) checks.push({ n: c.n, x, t_ns: untimed });
    } else if (c.median_ns > 0) {
      points.push({ n: c.n, x, t_ns: c.median_ns });
    }
  }
  return { driver, points, lower_bounds, checks };
}
