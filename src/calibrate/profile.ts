// Builds a calibration profile from a kernel.json results file: one cost function per backend and
// step it measured, each with its fit error and its held-out predictions.
import { ResultsFile } from "../report/results";
import { isBackendCase, pointsOf, StepPoints } from "./drivers";
import { leaveOneOut } from "./holdout";
import { fitPower, K_MAX } from "./power-fit";
import { CALIBRATION_SCHEMA, CostFunction, FORM, Profile, Step, STEPS } from "./schema";

const str = (v: unknown, d = "unknown") => (typeof v === "string" ? v : d);

/** A lookup that walks no rules (driver "services") does not grow with N by its mechanism: a constant. */
export function fitFunction(backend: string, step: Step, { driver, points, lower_bounds, checks }: StepPoints): CostFunction {
  const kMax = driver === "services" ? 0 : K_MAX;
  const f = fitPower(points.map((p) => ({ x: p.x, t: p.t_ns })), kMax);
  return {
    backend, step, driver, form: FORM, a_ns: f.a, b: f.b, k: f.k, points, lower_bounds, checks,
    fit_error: { rms_pct: f.rms * 100, max_pct: f.max * 100 }, held_out: leaveOneOut(points, kMax),
  };
}

/** Per Service at the largest N that has it: KUBE-SERVICES rules walked, first-load bytes by family. */
function perService(r: Pick<ResultsFile, "cases">): Pick<Profile, "rules_per_service" | "bytes_per_service" | "iptables_bytes_per_line"> {
  const k = r.cases.filter(isBackendCase).sort((a, b) => b.n - a.n);
  const conn = k.find((c) => c.scenario === "connect" && typeof c.rules_before === "number");
  const bytes: Record<string, number> = {};
  for (const [family, match] of [["iptables", /^iptables-/], ["nft", /^nft-/]] as const) {
    const c = k.find((x) => match.test(x.impl) && x.scenario === "first-load" && typeof x.text_bytes === "number");
    if (c) bytes[family] = (c.text_bytes as number) / c.n;
  }
  const lines = k.find((x) => /^iptables-/.test(x.impl) && x.scenario === "first-load" && typeof x.text_lines === "number" && typeof x.text_bytes === "number");
  return {
    ...(conn && { rules_per_service: (conn.rules_before as number) / conn.n }), bytes_per_service: bytes,
    ...(lines && { iptables_bytes_per_line: (lines.text_bytes as number) / (lines.text_lines as number) }),
  };
}

/** r.env may be missing when the cases come from a report that mixes runs: the machine is then unknown. */
export function buildProfile(r: Pick<ResultsFile, "cases"> & { env?: ResultsFile["env"] }, name: string): Profile {
  const cases = r.cases.filter(isBackendCase);
  const backends = [...new Set(cases.map((c) => c.impl))];
  const functions: CostFunction[] = [];
  for (const backend of backends) {
    for (const step of STEPS) {
      const sp = pointsOf(backend, step, cases);
      if (sp.points.length > 0) functions.push(fitFunction(backend, step, sp));
    }
  }
  const e = r.env ?? { cpu: "unknown", cores: 0, node: "unknown", date: "unknown", commit: "unknown" } as Partial<ResultsFile["env"]> as ResultsFile["env"];
  return {
    schema: CALIBRATION_SCHEMA,
    name,
    machine: { cpu: e.cpu, cores: e.cores, kernel: str(e.kernel), node: e.node, tools: (e.tools ?? {}) as Record<string, string> },
    source: {
      date: e.date, commit: e.commit, sizes: Array.isArray(e.sizes) ? (e.sizes as number[]) : [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b),
      endpoints: typeof e.endpoints === "number" ? e.endpoints : 2, ...(typeof e.exec_overhead_ns === "number" && { exec_overhead_ns: e.exec_overhead_ns }),
    },
    ...perService(r),
    functions,
    connect: functions.filter((f) => f.step === "connect").map((f) => ({
      backend: f.backend, fixed_ns: f.a_ns,
      per_rule: f.driver === "rules_walked" ? f.points.map((q) => ({ n: q.n, rules: q.x, ns: Math.max(0, q.t_ns - f.a_ns) / q.x })) : [],
    })),
  };
}
