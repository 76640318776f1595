// The prediction as people read it: terminal tables with the unit in every header, and PREDICT.md.
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

const NOTE =
  "NPL: network-programming latency, an endpoint change reaching kube-proxy to its rules applied " +
  "(network_programming_duration_seconds). *: the tool's cost is assumed, not measured; (not calibrated): " +
  "the profile has no costs for it, so only what it holds is given; " +
  "†: some sync cost outside the profile's measured sizes (its fitted power carried on); " +
  "‡: past the mode's hard limit (ebpf: more frontends than Cilium's 65,535 service IDs), so a node cannot hold it.";

const MODE_HEADERS = [
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

function modeRow(p: ModePrediction): string[] {
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

const BREAK_HEADERS = (pr: Prediction) => [
  "mode",
  `NPL p99 > ${pr.slo_s} s at (Services)`,
  "syncs can't keep up at (Services)",
  `1st packet mean > ${pr.first_packet_slo_us} µs at (Services)`,
  "past a hard limit at (Services)",
];
const breakRows = (pr: Prediction) =>
  pr.breaking.map((b) => [
    b.mode,
    bp(b.npl_slo),
    bp(b.keep_up),
    bp(b.first_packet),
    b.mode === "ebpf" ? `${bp(b.capacity)} (65,535 service IDs)` : "-",
  ]);

const WHATIF_HEADERS = [
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
const whatIfRows = (pr: Prediction) =>
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

const OBSERVED_HEADERS = ["metric", "predicted", "observed", "predicted / observed"];
function observedRows(p: ModePrediction, o: Observed): string[][] {
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

function summaryLines(pr: Prediction): string[] {
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

const mdTable = (h: string[], rows: string[][]) =>
  [`| ${h.join(" | ")} |`, `|${h.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

export const CHART_METRICS: [keyof ModePrediction, string, string][] = [
  ["npl_p99_s", "network-programming latency p99 (s)", "npl-p99.svg"],
  ["sync_partial_p50_ms", "partial sync p50 (ms)", "sync-partial-p50.svg"],
  ["sync_full_p50_ms", "full sync (ms)", "sync-full.svg"],
  ["cpu_share", "share of one core syncing", "cpu-share.svg"],
  ["held", "rules or objects held", "held.svg"],
  ["bytes_per_hour", "bytes written per hour", "bytes-per-hour.svg"],
  ["first_packet_mean_us", "first packet added latency, mean over Services (µs)", "first-packet-mean.svg"],
];

/** PREDICT.md's cluster section: the summary, Services by type and by policy, endpoints, what no mode models. */
function clusterSection(pr: Prediction): string[] {
  const s = pr.snapshot,
    e = s.endpoints_per_service;
  return [
    "## The cluster",
    "",
    ...summaryLines(pr).map((l) => `- ${l}`),
    "",
    mdTable(
      ["Services by type", "count"],
      Object.entries(s.by_type).map(([k, v]) => [k, String(v)]),
    ),
    "",
    mdTable(
      ["traffic policy", "Services"],
      Object.entries(s.by_policy).map(([k, v]) => [k, String(v)]),
    ),
    "",
    `Endpoints per Service: min ${e.min}, median ${e.p50}, p90 ${e.p90}, max ${e.max}, mean ${e.mean.toPrecision(3)}.`,
    "",
    `Not modelled by any mode: ${
      Object.keys(s.not_modelled).length
        ? Object.entries(s.not_modelled)
            .map(([k, n]) => `${k} (${n})`)
            .join(", ")
        : "nothing this snapshot uses"
    }; what each mode's proxier does not follow is listed above.`,
    "",
  ];
}

/** PREDICT.md's profile paragraph: the machine, which modes' costs are measured, assumed or not calibrated. */
function profileLine(pr: Prediction): string {
  const byCost = (["measured", "assumed", "not calibrated"] as const)
    .map(
      (k) =>
        `${k}: ${
          Object.entries(pr.profile.cost)
            .filter(([, v]) => v === k)
            .map(([m]) => m)
            .join(", ") || "none"
        }`,
    )
    .join("; ");
  const loop = `${pr.profile.loop.charAt(0).toUpperCase()}${pr.profile.loop.slice(1)}`;
  const p = pr.profile;
  return `${p.name}: ${p.machine}; kernel run of ${p.date}. Tool and kernel costs ${byCost}. ${loop}`;
}

export function markdown(pr: Prediction, command: string, observed?: { mode: ModePrediction; obs: Observed }): string {
  const lines = [
    "# svcbench predict",
    "",
    `\`${command}\``,
    "",
    "Node-time predictions of one node's kube-proxy, per mode, from a cluster snapshot, its kube-proxy configuration " +
      "and its churn, costed by a kernel calibration profile. " +
      "The simulator's own time is reported apart and is not node time.",
    "",
    ...clusterSection(pr),
    "## The profile",
    "",
    profileLine(pr),
    "",
    `## Predictions at ${pr.snapshot.counts.services.toLocaleString("en-US")} Services over ${pr.duration_s} s`,
    "",
    mdTable(MODE_HEADERS, pr.modes.map(modeRow)),
    "",
    `${NOTE} ipvs is deprecated (KEP-5495).`,
    "",
    "## Where each mode breaks",
    "",
    mdTable(BREAK_HEADERS(pr), breakRows(pr)),
    "",
    `**${pr.recommendation}**`,
    "",
    "## What if",
    "",
    mdTable(WHATIF_HEADERS, whatIfRows(pr)),
    "",
  ];
  if (observed)
    lines.push(
      "## Observed",
      "",
      `${observed.obs.source}, against ${observed.mode.mode}:`,
      "",
      mdTable(OBSERVED_HEADERS, observedRows(observed.mode, observed.obs)),
      "",
    );
  lines.push(
    "## Against the number of Services",
    "",
    "The snapshot's shape scaled (its Services repeated), the same churn.",
    "",
  );
  for (const [, title, file] of CHART_METRICS) lines.push(`![${title}](charts/${file})`, "");
  lines.push(`Simulator time: ${(pr.simulator_ms / 1000).toFixed(2)} s.`, "");
  return lines.join("\n");
}
