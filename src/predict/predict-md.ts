// PREDICT.md: the cluster, the profile, the prediction tables (format.ts's columns), where each mode
// breaks, what if, observed, and the charts against the number of Services.
import { ModePrediction } from "./evaluate";
import {
  BREAK_HEADERS,
  breakRows,
  MODE_HEADERS,
  modeRow,
  NOTE,
  OBSERVED_HEADERS,
  observedRows,
  summaryLines,
  WHATIF_HEADERS,
  whatIfRows,
} from "./format";
import { Observed } from "./observed";
import { Prediction } from "./predict";

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
