// "What a node pays" in REPORT.md: per kube-proxy mode and N, the predicted time of a partial and a
// full sync (kube-proxy's loop, the tool and kernel) and the first packet's added latency, from the
// calibration profile; the model's own time beside it as simulator time; published figures at their
// sizes.
import { firstPacket } from "../calibrate/first-packet";
import { ModeSpec, MODES, nodeSync, NodeSync, Work } from "../calibrate/node-cost";
import { Profile } from "../calibrate/schema";
import { calibration } from "./calibration-source";
import { mdTable, num } from "./markdown";
import { publishedRows } from "./published-predictions";
import { changesOf } from "./sync-targets";
import { CaseResult, casesOf, LookupCase, LookupImpl } from "./cases";
import { ReportSection } from "./section";
import { fmtNs, fmtTime } from "./table";

const E = 2;
const FIRST_PACKET_SIZES = [1000, 5000, 10000, 30000, 100000];
const LOOKUP_IMPL: Record<string, LookupImpl> = {
  "iptables (legacy)": "chain-simd",
  "iptables (nft backend)": "chain-simd",
  nftables: "vmap",
  ipvs: "svctable-fixed",
};

const sizes = (sync: CaseResult[]) =>
  [
    ...new Set(
      casesOf(sync, "sync")
        .filter((c) => c.endpoints === E)
        .map((c) => c.n),
    ),
  ].sort((a, b) => a - b);
const mark = (s: NodeSync | undefined) => (s?.tool?.extrapolated ? " †" : "");
/** fmtTime, in minutes past 100 s. */
const t = (ns: number | undefined) =>
  ns !== undefined && ns >= 100e9 ? `${(ns / 60e9).toPrecision(3)} min` : fmtTime(ns);

const WORK_NAMES: Record<keyof Work, string> = {
  svc_ports_visited: "ports visited",
  endpoints_categorized: "endpoints categorized",
  objects_compared: "objects compared",
  netlink_calls: "netlink calls",
};
const workCell = (w: Work | undefined) =>
  w ? (Object.entries(w) as [keyof Work, number][]).map(([k, v]) => `${num(v)} ${WORK_NAMES[k]}`).join(", ") : "-";
/**
 * Without the per-sync counts, the model's nftables and IPVS syncs visit only the changed Services: the loop
 * is a lower bound.
 */
const lowerBound = (m: ModeSpec, kind: "partial" | "full", s: NodeSync | undefined) =>
  kind === "partial" && (m.label === "nftables" || m.label === "ipvs") && s?.work?.svc_ports_visited === undefined
    ? " ‡"
    : "";

const uncounted = (sync: CaseResult[]) =>
  changesOf(sync).some(
    (c) =>
      (c.impl === "nftables" || c.impl === "ipvs") && c.scenario === "add-pod" && c.svc_ports_visited === undefined,
  );

function syncTable(p: Profile, sync: CaseResult[], kind: "partial" | "full"): string {
  const rows = sizes(sync).flatMap((n) =>
    MODES.map((m) => {
      const s = nodeSync(p, m, kind, sync, n, E),
        lb = lowerBound(m, kind, s);
      return [
        num(n),
        m.label,
        `${t(s?.userspace_ns)}${lb}`,
        s?.tool ? `${t(s.tool.ns)}${mark(s)}` : m.backend ? "-" : "not calibrated",
        s?.total_ns !== undefined ? `**${t(s.total_ns)}**${mark(s)}${lb}` : "-",
        t(s?.simulator_ns),
        ...(kind === "partial" ? [workCell(s?.work)] : []),
      ];
    }),
  );
  return mdTable(
    [
      "N",
      "mode",
      "kube-proxy loop (est.)",
      "tool + kernel",
      "node pays",
      "simulator time (model, not node time)",
      ...(kind === "partial" ? ["the loop's work (sync suite)"] : []),
    ],
    rows,
  );
}

function firstPacketTable(p: Profile, lookup: LookupCase[]): string {
  const rows = FIRST_PACKET_SIZES.flatMap((n) =>
    MODES.map((m) => {
      const f = m.backend ? firstPacket(p, m.backend, n) : undefined;
      const sim = lookup.find(
        (c) => c.impl === LOOKUP_IMPL[m.label] && c.n === n && c.scenario === undefined,
      )?.median_ns;
      const ex = f?.extrapolated ? " †" : "";
      const added = (ns: number) => (f && f.per_rule_ns === 0 ? "0 (no rules walked)" : `${t(ns)}${ex}`);
      return [
        num(n),
        m.label,
        f ? `**${added(f.mean_added_ns)}**` : "not measured",
        f ? added(f.worst_added_ns) : "-",
        f && f.per_rule_ns > 0 ? `${f.per_rule_ns.toFixed(1)} ns` : "-",
        sim !== undefined ? `${fmtNs(sim)} ns` : "-",
      ];
    }),
  );
  return mdTable(
    [
      "N",
      "mode",
      "added, mean (N/2 rules)",
      "added, worst (N rules)",
      "per rule walked",
      "simulator time: model lookup (ns, not node time)",
    ],
    rows,
  );
}

function headline(p: Profile, sync: CaseResult[], n: number): string | undefined {
  const parts = MODES.filter((m) => m.backend)
    .map((m) => {
      const a = nodeSync(p, m, "partial", sync, n, E),
        b = nodeSync(p, m, "full", sync, n, E);
      return a?.total_ns !== undefined && b?.total_ns !== undefined
        ? `${m.label} ${t(a.total_ns)} partial / ${t(b.total_ns)} full${mark(b)}`
        : undefined;
    })
    .filter(Boolean);
  return parts.length > 0
    ? `What a node pays per sync at ${num(n)} Services × ${E} pods (kube-proxy's loop + tool + kernel, predicted from the calibration profile): ${parts.join("; ")}.`
    : undefined;
}

/** How a sync is costed: the loop, then the tool and the kernel. */
const HOW_COSTED =
  "**kube-proxy's loop** is estimated by the model's measured V8 time for the same sync (`sync_ns` of " +
  "the sync suite's `add-pod` case, E = 2; a full nftables or IPVS sync: the model's first sync). It " +
  "covers what the model's proxier visits on that sync; kube-proxy's Go loop is not measured here, so " +
  "the published figures below are the check. " +
  "**tool + kernel** is the calibration profile at what the sync hands the tool (a full sync: its " +
  "bytes written) or what the table holds (a partial sync: the first load's bytes): the wall time of " +
  "`iptables-restore` / `nft -f` from fork to exit, its kernel work included (the two are not measured " +
  "apart). ";
const UNCOUNTED =
  "‡: this sync.json has no per-sync work counts, and its nftables and IPVS syncs visit only the changed " +
  "Services, while kube-proxy's loop visits every Service port on every sync: that loop estimate is a lower bound. ";
const NFT_IPVS_COSTED =
  "nftables' partial sync is costed as the `add-service` step (one Service's chains and elements in " +
  "one transaction) and its full sync as the `first-load` step. IPVS's netlink calls are not timed by " +
  "the kernel suite: its tool + kernel column stays empty.";
const FIRST_PACKET =
  "Added latency over a connect's fixed cost, from the connect probe's cost function at N Services. " +
  "kube-proxy writes KUBE-SERVICES in Go map order, so a Service's rule sits anywhere: the mean packet " +
  "walks N/2 rules, the worst all N, at the per-rule cost of a table that size. The simulator column " +
  "is the model's lookup (lookup suite, uniform traffic): model time, not node time.";
const PUBLISHED_NOTE =
  "Each published figure was measured on another machine, kernel, tool version and ruleset (#126013 in " +
  "2024, #130119 in 2025, #139513 on kube-proxy v1.36.1, #96018 on a 2021 host); the ratio says how " +
  "far this profile lands from it. The far misses are where a superlinear fit is carried well past the " +
  "measured sizes (†), or where the setting differs from the step that stands for it (a restart with " +
  "rules present against a first load into an empty table).";

export const nodeSection: ReportSection = {
  suite: "sync",
  related: ["kernel", "lookup"],
  title: "What a node pays",
  findings(all) {
    const c = calibration(all);
    if (!c.profile) return [];
    const p = c.profile,
      sync = casesOf(all, "sync");
    const out: string[] = [];
    const n = sizes(sync)
      .filter((s) => s <= 10000)
      .pop();
    const h = n !== undefined ? headline(p, sync, n) : undefined;
    if (h) out.push(h);
    const fp = firstPacket(p, "iptables-legacy-restore", 10000),
      fn = firstPacket(p, "iptables-nft-restore", 10000);
    if (fp && fn)
      out.push(
        `The first packet to a Service at 10,000 Services pays ${t(fp.mean_added_ns)} on average ` +
          `(${t(fp.worst_added_ns)} for the last rule) in iptables mode with the legacy backend, ` +
          `${t(fn.mean_added_ns)} (${t(fn.worst_added_ns)}) with the nft backend, over the nftables verdict map's.`,
      );
    const ratios = publishedRows(p, sync).filter((r) => r.predicted_ns !== undefined && r.published_ns);
    if (ratios.length > 0)
      out.push(
        `Beside published figures, the predictions land at ${ratios.map((r) => `×${(r.predicted_ns! / r.published_ns!).toPrecision(2)} (${r.short})`).join("; ")} of the published value.`,
      );
    return out;
  },
  body(all) {
    const c = calibration(all);
    if (!c.profile) return `No calibration profile: ${c.problem}.`;
    const p = c.profile,
      sync = casesOf(all, "sync"),
      lookup = casesOf(all, "lookup");
    const out = [
      `Predictions use ${c.from}. A prediction is kube-proxy's own loop plus the tool and the kernel; the ` +
        `model's own time stays beside it, labelled simulator time, and is never what the node pays. † marks ` +
        `a prediction beyond the measured sizes (the fitted power carries on).`,
      "",
      HOW_COSTED + (uncounted(sync) ? UNCOUNTED : "") + NFT_IPVS_COSTED,
      "",
      "### One more pod: a partial sync",
      "",
      syncTable(p, sync, "partial"),
      "",
      "### A full sync",
      "",
      syncTable(p, sync, "full"),
      "",
      "### The first packet of a connection",
      "",
      FIRST_PACKET,
      "",
      firstPacketTable(p, lookup),
      "",
      "### Published figures beside the predictions",
      "",
      PUBLISHED_NOTE,
      "",
      mdTable(
        ["source", "setting", "published", "predicted here", "predicted / published", "how"],
        publishedRows(p, sync).map((r) => [
          r.source,
          r.setting,
          r.published,
          r.predicted_ns !== undefined ? `${t(r.predicted_ns)}${r.extrapolated ? " †" : ""}` : "-",
          r.predicted_ns !== undefined && r.published_ns ? `×${(r.predicted_ns / r.published_ns).toPrecision(2)}` : "-",
          r.how,
        ]),
      ),
      "",
      "The calibration profile, its fit errors and its held-out sizes are in the section *Calibration: the kernel's cost functions, checked on held-out sizes* below (or, for the reference profile, in `calibration/reference.json`).",
    ];
    return out.join("\n");
  },
  charts: () => [],
};
