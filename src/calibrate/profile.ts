// Builds a calibration profile from a kernel.json results file: one cost function per backend and
// step it measured, each with its fit error and its held-out predictions.
import { CaseResult, casesOf } from "../report/cases";
import { RunEnv } from "../report/results";
import { isBackendCase, pointsOf, StepPoints } from "./drivers";
import { leaveOneOut } from "./holdout";
import { fitPower, K_MAX } from "./power-fit";
import { CALIBRATION_SCHEMA, CostFunction, FORM, Profile, Step, STEPS } from "./schema";

/** A lookup that walks no rules (driver "services") does not grow with N by its mechanism: a constant. */
export function fitFunction(
  backend: string,
  step: Step,
  { driver, points, lower_bounds, checks }: StepPoints,
): CostFunction {
  const kMax = driver === "services" ? 0 : K_MAX;
  const f = fitPower(
    points.map((p) => ({ x: p.x, t: p.t_ns })),
    kMax,
  );
  return {
    backend,
    step,
    driver,
    form: FORM,
    a_ns: f.a,
    b: f.b,
    k: f.k,
    points,
    lower_bounds,
    checks,
    fit_error: { rms_pct: f.rms * 100, max_pct: f.max * 100 },
    held_out: leaveOneOut(points, kMax),
  };
}

/** Per Service at the largest N that has it: KUBE-SERVICES rules walked, first-load bytes by family. */
function perService(
  all: readonly CaseResult[],
): Pick<Profile, "rules_per_service" | "bytes_per_service" | "iptables_bytes_per_line"> {
  const k = casesOf(all, "kernel")
    .filter(isBackendCase)
    .sort((a, b) => b.n - a.n);
  const rules = k.find((c) => c.scenario === "connect" && c.rules_before !== undefined);
  const bytes: Record<string, number> = {};
  for (const [family, match] of [
    ["iptables", /^iptables-/],
    ["nft", /^nft-/],
  ] as const) {
    const c = k.find((x) => match.test(x.impl) && x.scenario === "first-load" && x.text_bytes !== undefined);
    if (c?.text_bytes !== undefined) bytes[family] = c.text_bytes / c.n;
  }
  const lines = k.find(
    (x) =>
      /^iptables-/.test(x.impl) &&
      x.scenario === "first-load" &&
      x.text_lines !== undefined &&
      x.text_bytes !== undefined,
  );
  return {
    ...(rules?.rules_before !== undefined && { rules_per_service: rules.rules_before / rules.n }),
    bytes_per_service: bytes,
    ...(lines?.text_bytes !== undefined &&
      lines.text_lines !== undefined && { iptables_bytes_per_line: lines.text_bytes / lines.text_lines }),
  };
}

/** When the cases come from a report that mixes runs there is no one run: the machine is then unknown. */
const UNKNOWN_RUN: RunEnv = {
  node: "unknown",
  v8: "unknown",
  cpu: "unknown",
  cores: 0,
  commit: "unknown",
  seed: 0,
  date: "unknown",
  versions: {},
};

export function buildProfile(r: { cases: readonly CaseResult[]; env?: RunEnv }, name: string): Profile {
  const cases = casesOf(r.cases, "kernel").filter(isBackendCase);
  const backends = [...new Set(cases.map((c) => c.impl))];
  const functions: CostFunction[] = [];
  for (const backend of backends) {
    for (const step of STEPS) {
      const sp = pointsOf(backend, step, cases);
      if (sp.points.length > 0) functions.push(fitFunction(backend, step, sp));
    }
  }
  const e = r.env ?? UNKNOWN_RUN;
  return {
    schema: CALIBRATION_SCHEMA,
    name,
    machine: { cpu: e.cpu, cores: e.cores, kernel: e.kernel ?? "unknown", node: e.node, tools: e.tools ?? {} },
    source: {
      date: e.date,
      commit: e.commit,
      sizes: e.sizes ?? [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b),
      endpoints: e.endpoints ?? 2,
      ...(e.exec_overhead_ns !== undefined && { exec_overhead_ns: e.exec_overhead_ns }),
    },
    ...perService(r.cases),
    functions,
    connect: functions
      .filter((f) => f.step === "connect")
      .map((f) => ({
        backend: f.backend,
        fixed_ns: f.a_ns,
        per_rule:
          f.driver === "rules_walked"
            ? f.points.map((q) => ({ n: q.n, rules: q.x, ns: Math.max(0, q.t_ns - f.a_ns) / q.x }))
            : [],
      })),
  };
}
