// What a results file's case must hold to be the type cases.ts gives it: its suite, an impl and scenario
// that suite writes, and each field of that kind of case with its JSON type. A field marked "?" may be
// absent (files written before it existed).
import { PROXY_MODES } from "../modes";
import { SCHEDULERS } from "../ipvs";
import { CaseResult, HASH_CORES, KERNEL_BACKENDS, KERNEL_STEPS, LOOKUP_CORES, MODEL_IMPLS } from "./cases";
import { RunEnv } from "./results";

type Kind = "number" | "string" | "boolean" | "number[]" | "object";
type Spec = Record<string, Kind | `${Kind}?`>;

const TIMED: Spec = { n: "number", median_ns: "number", p99_ns: "number", rme: "number", samples: "number" };
const SYNC_WORK: Spec = {
  rules_written: "number",
  bytes_written: "number",
  svc_ports_visited: "number?",
  endpoints_categorized: "number?",
  objects_compared: "number?",
  netlink_calls: "number?",
};

const LOOKUP: Spec = {
  batch: "number",
  scenario: "string?",
  zipf_s: "number?",
  group: "number?",
  probe: "string?",
  wasm_bytes: "number?",
  wasm_peak_bytes: "number?",
  buckets: "number?",
  mean_chain: "number?",
  checksum: "number?",
  buffer_bytes: "number?",
  reads_in_flight: "number?",
};
const PICK: Spec = { batch: "number", table_size: "number?" };
const CONNTRACK: Spec = {
  batch: "number",
  table: "string",
  connections: "number",
  buckets: "number",
  distinct_services: "number",
  includes: "string?",
};
const BALANCE: Spec = {
  timed: "boolean",
  max_mean: "number",
  jain: "number",
  p99_queue: "number",
  mean_response_ms: "number",
  p99_response_ms: "number",
  refused: "number",
  speeds: "number[]",
  weights: "number[]",
  load: "number",
  connections: "number",
  meanWorkMs: "number",
  clients: "number",
};
const DISRUPTION: Spec = {
  timed: "string",
  moved_remove: "number",
  moved_remove_min: "number",
  moved_remove_max: "number",
  removed_share: "number",
  ideal_remove: "number",
  removals: "number",
  removal: "string",
  moved_add: "number",
  ideal_add: "number",
  dests_with_entries: "number",
  table_size: "number",
  over_table: "boolean",
  flows: "number",
  slots_max_over_mean: "number?",
  slots_min_over_mean: "number?",
};
const SYNC_CHANGE: Spec = {
  ...SYNC_WORK,
  endpoints: "number",
  sync_ns: "number?",
  changes: "number",
  endpoint_changes: "number",
  synced_services: "number",
  full_sync: "boolean",
  initial_sync_ms: "number",
  initial_rules: "number",
  initial_bytes: "number",
};
const DIAL: Spec = {
  endpoints: "number",
  refusing: "number",
  mean_attempts: "number",
  mean_connect_ms: "number",
  p99_connect_ms: "number",
  failed_share: "number",
};
const KERNEL: Spec = {
  endpoints: "number",
  mode: "string",
  text_bytes: "number?",
  text_lines: "number?",
  over_limit: "boolean?",
  limit_ns: "number?",
  untimed_load_ns: "number?",
  not_tried: "string?",
  service: "string?",
  rules_before: "number?",
  map_max: "number?",
  model_scenario: "string?",
  rules_written: "number?",
  bytes_written: "number?",
  sync_ns: "number?",
  changes: "number?",
  endpoint_changes: "number?",
  synced_services: "number?",
  full_sync: "boolean?",
  initial_sync_ms: "number?",
  initial_rules: "number?",
  initial_bytes: "number?",
  svc_ports_visited: "number?",
  endpoints_categorized: "number?",
  objects_compared: "number?",
  netlink_calls: "number?",
};

const oneOf = (names: readonly string[]) => (s: string) => names.includes(s);
const MAGLEV = /^maglev-\d+$/;
const isLookupImpl = (i: string) =>
  i === "roofline" ||
  oneOf(LOOKUP_CORES)(i) ||
  HASH_CORES.some((h) => i === `${h}-plain` || i === `dram1-${h}` || i === `dramG-${h}`);
const isScheduler = oneOf(SCHEDULERS);

/** The spec of a case by its suite and scenario, or why there is none. */
function specOf(suite: string, impl: string, scenario: unknown): Spec | string {
  const sc = scenario === undefined ? undefined : String(scenario);
  const bad = (what: string) =>
    `${what} ${JSON.stringify(what === "impl" ? impl : scenario)} is not one the ${suite} suite writes`;
  switch (suite) {
    case "lookup":
      if (!isLookupImpl(impl)) return bad("impl");
      if (sc !== undefined && !/^(zipf-[\d.]+|group-\d+|batch-sweep)$/.test(sc)) return bad("scenario");
      return LOOKUP;
    case "sched":
      if (sc === undefined)
        return isScheduler(impl.replace(/-ts$/, "")) || MAGLEV.test(impl.replace(/-ts$/, "")) ? PICK : bad("impl");
      if (sc === "hit" || sc === "miss")
        return oneOf(["conntrack", "conntrack-rsz", "conntrack-ts"])(impl) ? CONNTRACK : bad("impl");
      if (sc === "balance-kube-proxy" || sc === "balance-capacity") return isScheduler(impl) ? BALANCE : bad("impl");
      if (sc === "disruption") return isScheduler(impl) || MAGLEV.test(impl) ? DISRUPTION : bad("impl");
      return bad("scenario");
    case "sync":
      if (sc === "dial-retries") return impl === "userspace" ? DIAL : bad("impl");
      if (!oneOf(PROXY_MODES)(impl)) return bad("impl");
      return sc !== undefined && /^(create-service|add-pod|burst-\d+)$/.test(sc) ? SYNC_CHANGE : bad("scenario");
    case "kernel":
      if (!oneOf(KERNEL_BACKENDS)(impl) && !oneOf(MODEL_IMPLS)(impl)) return bad("impl");
      return sc === "connect" || oneOf(KERNEL_STEPS)(sc ?? "") ? KERNEL : bad("scenario");
    default:
      return `suite ${JSON.stringify(suite)} is not lookup, sched, sync or kernel`;
  }
}

const ENV: Spec = {
  node: "string",
  v8: "string",
  cpu: "string",
  cores: "number",
  commit: "string",
  seed: "number",
  date: "string",
  versions: "object",
  traffic: "object?",
  time_ms: "number?",
  full: "boolean?",
  filter: "string?",
  kernel: "string?",
  tools: "object?",
  sizes: "number[]?",
  endpoints: "number?",
  samples: "number?",
  timeout_s: "number?",
  connects: "number?",
  exec_overhead_ns: "number?",
  loadavg_start: "number[]?",
  loadavg_end: "number[]?",
};

const kindOf = (v: unknown): Kind | string =>
  Array.isArray(v) ? (v.every((x) => typeof x === "number") ? "number[]" : "array") : v === null ? "null" : typeof v;

/** The first field of o that the spec wants and o lacks or holds as another kind, as a phrase. */
function fieldProblem(o: Record<string, unknown>, spec: Spec, prefix = ""): string | undefined {
  for (const [field, want] of Object.entries(spec)) {
    const kind = want.replace("?", ""),
      v = o[field];
    if (v === undefined) {
      if (!want.endsWith("?")) return `"${prefix}${field}" is missing`;
    } else if (kindOf(v) !== kind) return `"${prefix}${field}" is a ${kindOf(v)}, not a ${kind}`;
  }
  return undefined;
}

/** Why c is not a case of its suite (one phrase naming the field), or undefined when it is one. */
function problem(c: unknown): string | undefined {
  if (typeof c !== "object" || c === null || Array.isArray(c)) return "is not an object";
  const o = c as Record<string, unknown>;
  if (typeof o.suite !== "string")
    return `"suite" is ${o.suite === undefined ? "missing" : `a ${kindOf(o.suite)}, not a string`}`;
  if (typeof o.impl !== "string")
    return `"impl" is ${o.impl === undefined ? "missing" : `a ${kindOf(o.impl)}, not a string`}`;
  if (o.scenario !== undefined && typeof o.scenario !== "string")
    return `"scenario" is a ${kindOf(o.scenario)}, not a string`;
  const spec = specOf(o.suite, o.impl, o.scenario);
  return typeof spec === "string" ? spec : fieldProblem(o, { ...TIMED, ...spec });
}

/** The run's environment of a parsed results file, checked; else one phrase naming the field. */
export function checkEnv(env: unknown): { env: RunEnv } | { error: string } {
  if (typeof env !== "object" || env === null || Array.isArray(env)) return { error: `"env" is not an object` };
  const p = fieldProblem(env as Record<string, unknown>, ENV, "env.");
  // Checked field by field against RunEnv's fields just above.
  return p === undefined ? { env: env as RunEnv } : { error: p };
}

/**
 * The cases of a parsed results file, each checked against its suite's type; else one line naming the case
 * and field.
 */
export function checkCases(cases: readonly unknown[]): { cases: CaseResult[] } | { error: string } {
  for (let i = 0; i < cases.length; i++) {
    const p = problem(cases[i]);
    if (p === undefined) continue;
    const o = cases[i] as Partial<Record<string, unknown>> | null;
    const name =
      typeof o?.suite === "string" && typeof o.impl === "string" ? ` (${o.suite}/${o.impl} N=${String(o.n)})` : "";
    return { error: `case ${i}${name}: ${p}` };
  }
  // Each case has been checked field by field against the type of its suite and scenario above.
  return { cases: cases as CaseResult[] };
}
