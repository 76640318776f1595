// The prediction as people read it in the terminal, and the columns PREDICT.md (predict-md.ts) shares:
// every table with the unit in its header.
import { formatTable } from "../report/table";
import { BreakPoint } from "./breaking";
import { ModePrediction } from "./evaluate";
import { Observed } from "./observed";
import { Prediction } from "./predict";

const sig = (v: number | null | undefined, d = 3) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "-"
    : v >= 10 ** d
      ? Math.round(v).toLocaleString("en-US")
      : v.toPrecision(d);
const COST_MARK = { measured: "", assumed: " *", "not calibrated": " (not calibrated)" } as const;
const PAST_LIMIT = (p: ModePrediction) => (p.fits ? "" : " ‡");
const modeName = (p: ModePrediction) =>
  `${p.mode === "ipvs" ? "ipvs (deprecated)" : p.mode}${COST_MARK[p.cost]}${p.extrapolated ? " †" : ""}${PAST_LIMIT(p)}`;

export const NOTE =
  "NPL: network-programming latency, an endpoint change reaching kube-proxy to its rules applied " +
  "(network_programming_duration_seconds). *: the tool's cost is assumed, not measured; (not calibrated): " +
  "the profile has no costs for it, so only what it holds is given; " +
  "†: some sync cost outside the profile's measured sizes (its fitted power carried on); " +
  "‡: past the mode's hard limit (ebpf: more frontends than Cilium's 65,535 service IDs), so a node cannot hold it.";

export const MODE_HEADERS = [
  "mode",
  "NPL p50 (s)",
  "NPL p90 (s)",
  "NPL p99 (s)",
  "partial sync p50 (ms)",
  "partial sync p99 (ms)",
  "full sync p50 (ms)",
  "full sync p99 (ms)",
  "syncs (/h)",
  "CPU (% of a core)",
  "held (rules/objects)",
  "written (MB/h)",
  "1st packet mean (µs)",
  "1st packet worst (µs)",
  "memory (MiB)",
];

export function modeRow(p: ModePrediction): string[] {
  return [
    modeName(p),
    sig(p.npl_p50_s),
    sig(p.npl_p90_s),
    sig(p.npl_p99_s),
    sig(p.sync_partial_p50_ms),
    sig(p.sync_partial_p99_ms),
    sig(p.sync_full_p50_ms),
    sig(p.sync_full_p99_ms),
    sig(p.syncs_per_hour),
    sig(p.cpu_share * 100),
    sig(p.held),
    sig(p.bytes_per_hour / 1e6),
    sig(p.first_packet_mean_us),
    sig(p.first_packet_worst_us),
    p.memory_bytes === null ? "-" : sig(p.memory_bytes / 2 ** 20),
  ];
}

export function bp(b: BreakPoint): string {
  const n = b.services.toLocaleString("en-US");
  return b.bound === "at" ? `~${n}` : b.bound === "above" ? `> ${n}` : `≤ ${n}`;
}

export const BREAK_HEADERS = (pr: Prediction) => [
  "mode",
  `NPL p99 > ${pr.slo_s} s at (Services)`,
  "syncs can't keep up at (Services)",
  `1st packet mean > ${pr.first_packet_slo_us} µs at (Services)`,
  "past a hard limit at (Services)",
];
export const breakRows = (pr: Prediction) =>
  pr.breaking.map((b) => [
    b.mode,
    bp(b.npl_slo),
    bp(b.keep_up),
    bp(b.first_packet),
    b.mode === "ebpf" ? `${bp(b.capacity)} (65,535 service IDs)` : "-",
  ]);

export const WHATIF_HEADERS = [
  "mode",
  "×",
  "Services",
  "NPL p99 (s)",
  "partial sync p50 (ms)",
  "CPU (% of a core)",
  "held (rules/objects)",
  "1st packet mean (µs)",
  "keeps up",
];
export const whatIfRows = (pr: Prediction) =>
  pr.what_if.flatMap((w) =>
    w.modes.map((p) => [
      `${p.mode}${PAST_LIMIT(p)}`,
      `${w.factor}×`,
      p.services.toLocaleString("en-US"),
      sig(p.npl_p99_s),
      sig(p.sync_partial_p50_ms),
      sig(p.cpu_share * 100),
      sig(p.held),
      sig(p.first_packet_mean_us),
      p.cost === "not calibrated" ? "-" : p.keeps_up ? "yes" : "no",
    ]),
  );

export const OBSERVED_HEADERS = ["metric", "predicted", "observed", "predicted / observed"];
export function observedRows(p: ModePrediction, o: Observed): string[][] {
  const unit: Record<string, string> = {
    npl_p50_s: "s",
    npl_p90_s: "s",
    npl_p99_s: "s",
    sync_partial_p50_ms: "ms",
    sync_partial_p99_ms: "ms",
    sync_full_p50_ms: "ms",
    sync_full_p99_ms: "ms",
    held: "rules",
  };
  return Object.entries(o.values).map(([k, v]) => {
    const pred = p[k as keyof ModePrediction] as number;
    return [
      `${k} (${unit[k] ?? ""})`,
      sig(pred),
      sig(v),
      v > 0 && Number.isFinite(pred) ? `×${(pred / v).toPrecision(3)}` : "-",
    ];
  });
}

export function summaryLines(pr: Prediction): string[] {
  const c = pr.snapshot.counts;
  const unknown = Object.entries(c.unknownKinds)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  const nm = Object.entries(pr.snapshot.not_modelled)
    .map(([k, n]) => `${k}: ${n}`)
    .join("; ");
  const node = pr.snapshot.node || "(none named)";
  const unknownChurn = pr.churn.unknown_services
    ? ` (${pr.churn.unknown_services} trace lines named no Service of the snapshot)`
    : "";
  return [
    `cluster: ${pr.snapshot.source}; node ${node}: ` +
      `${c.services} Services, ${c.servicePorts} service ports, ${c.endpoints} ready endpoints`,
    `ignored as kube-proxy does: ${c.headless} headless, ${c.externalName} ExternalName; ` +
      `skipped: ${c.ipv6Slices} IPv6 slices, ${c.orphanSlices} slices without their Service` +
      (unknown ? `, ${unknown}` : ""),
    ...(nm ? [`not modelled (counted): ${nm}`] : []),
    ...notFollowed(pr),
    `churn: ${pr.churn.source}: ${pr.churn.changes} changes in ${pr.duration_s} s${unknownChurn}`,
    `profile: ${pr.profile.name}; sync loop of kube-proxy ${pr.release.tag}`,
    pr.profile.loop,
  ];
}

/** Per mode, the features of this snapshot and configuration its proxier does not follow (service ports using each). */
function notFollowed(pr: Prediction): string[] {
  return pr.modes
    .filter((p) => Object.keys(p.not_modelled).length > 0)
    .map(
      (p) =>
        `${p.mode} does not follow: ${Object.entries(p.not_modelled)
          .map(([k, n]) => `${k} (${n})`)
          .join(", ")}`,
    );
}

export function terminalReport(pr: Prediction, observed?: { mode: ModePrediction; obs: Observed }): string {
  const out = [
    ...summaryLines(pr),
    "",
    formatTable(MODE_HEADERS, pr.modes.map(modeRow)),
    NOTE,
    "",
    formatTable(BREAK_HEADERS(pr), breakRows(pr)),
    "",
    formatTable(WHATIF_HEADERS, whatIfRows(pr)),
    "",
  ];
  if (observed)
    out.push(
      `observed (${observed.obs.source}) against ${observed.mode.mode}:`,
      formatTable(OBSERVED_HEADERS, observedRows(observed.mode, observed.obs)),
      "",
    );
  out.push(pr.recommendation, `simulator time: ${(pr.simulator_ms / 1000).toFixed(2)} s (this process; not node time)`);
  return out.join("\n") + "\n";
}
