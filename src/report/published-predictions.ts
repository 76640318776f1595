// Published figures set beside svcbench's predictions at their sizes. Their machines, kernels and
// kube-proxy versions differ from the profile's: the ratio says how far a prediction lands, not who is right.
import { predict } from "../calibrate/cost";
import { firstPacket } from "../calibrate/first-packet";
import { MODES, nodeSync } from "../calibrate/node-cost";
import { Profile } from "../calibrate/schema";
import { CaseResult } from "./results";
import { fmtTime } from "./table";

interface PublishedRow {
  source: string;
  short: string;
  setting: string;
  published: string;
  published_ns?: number;
  predicted_ns?: number;
  how: string;
  extrapolated?: boolean;
}

const mode = (label: string) => MODES.find((m) => m.label === label)!;
const E = 2;

/** One row per published figure (kubernetes#126013, #139513, #130119, #96018, KEP-3453, the 2025 nftables post). */
export function publishedRows(p: Profile, sync: readonly CaseResult[]): PublishedRow[] {
  const rows: PublishedRow[] = [];
  const syncRow = (
    source: string,
    short: string,
    setting: string,
    published: string,
    published_ns: number,
    label: string,
    kind: "partial" | "full",
    n: number,
  ) => {
    const s = nodeSync(p, mode(label), kind, sync, n, E);
    rows.push({
      source,
      short,
      setting,
      published,
      published_ns,
      predicted_ns: s?.total_ns,
      extrapolated: s?.tool?.extrapolated,
      how: s?.tool
        ? `${label} ${kind} sync at ${n.toLocaleString("en-US")} × ${E}: loop ${fmtTime(s.userspace_ns)} + tool ${fmtTime(s.tool.ns)}`
        : "no sync case to scale from",
    });
  };
  syncRow(
    "kubernetes#126013",
    "#126013, one new Service at 10k",
    "nftables, kind, 10k Services × 2: one new Service with partial sync",
    "≈ 141 ms",
    141e6,
    "nftables",
    "partial",
    10000,
  );
  syncRow(
    "kubernetes#139513",
    "#139513, incremental sync at 44k",
    "nftables, 44,128 Services, one endpoint each: incremental sync (with a patch)",
    "1.33 s",
    1.328e9,
    "nftables",
    "partial",
    44128,
  );
  syncRow(
    "kubernetes#139513",
    "#139513, full sync at 44k",
    "nftables, 44,125 Services, one endpoint each: full sync",
    "16 min 44 s",
    1003.9e9,
    "nftables",
    "full",
    44125,
  );
  syncRow(
    "kubernetes#130119",
    "#130119, iptables restart at 10k",
    "first sync after a restart (before that PR's change), 10k × 2, kernel 6.8.0: iptables (backend not stated)",
    "40 s",
    40e9,
    "iptables (nft backend)",
    "full",
    10000,
  );
  const legacy = nodeSync(p, mode("iptables (legacy)"), "full", sync, 10000, E);
  if (legacy?.total_ns !== undefined)
    rows[rows.length - 1].how += `; with the legacy backend ${fmtTime(legacy.total_ns)}`;
  syncRow(
    "kubernetes#130119",
    "#130119, nftables restart at 10k",
    "the same: nftables",
    "3 min 14 s",
    194e9,
    "nftables",
    "full",
    10000,
  );
  const lines = 695992,
    bpl = p.iptables_bytes_per_line;
  const restore = bpl ? predict(p, "iptables-nft-restore", "first-load", lines * bpl) : undefined;
  rows.push({
    source: "kubernetes#96018",
    short: "#96018, a 696k-line restore",
    setting: "iptables-restore (nft) of a 695,992-line save, on the host",
    published: "12.8 s (the restore failed at line 695,918)",
    published_ns: 12.772e9,
    predicted_ns: restore?.ns,
    extrapolated: restore?.extrapolated,
    how: bpl
      ? `iptables-nft-restore first load of ${lines.toLocaleString("en-US")} lines × ${bpl.toFixed(0)} bytes per line (this profile's text)`
      : "profile lacks bytes per line",
  });
  for (const [n, ipt, nft] of [
    [5000, 47e3, 10e3],
    [10000, 59e3, 10e3],
    [30000, 270e3, 10e3],
  ] as const) {
    const fp = firstPacket(p, "iptables-nft-restore", n),
      fl = firstPacket(p, "iptables-legacy-restore", n),
      vm = firstPacket(p, "nft-f", n);
    const added = (f: typeof fp) => (f && vm ? f.mean_added_ns - vm.mean_added_ns : undefined);
    rows.push({
      source: "kubernetes.io blog, NFTables mode for kube-proxy (2025-02-28)",
      short: `the nftables post, first packet at ${n / 1000}k`,
      setting: `first packet at ${n.toLocaleString("en-US")} Services, p50: iptables minus nftables`,
      published: `${fmtTime(ipt)} − ${fmtTime(nft)} = ${fmtTime(ipt - nft)} (read off the chart, ± 4 µs)`,
      published_ns: ipt - nft,
      predicted_ns: added(fp),
      extrapolated: fp?.extrapolated,
      how: `mean added latency (position N/2) over the verdict map's: nft backend ${fmtTime(added(fp))}, legacy ${fmtTime(added(fl))}`,
    });
  }
  const partial10k = nodeSync(p, mode("iptables (legacy)"), "partial", sync, 10000, E),
    full10k = nodeSync(p, mode("iptables (legacy)"), "full", sync, 10000, E);
  rows.push({
    source: "KEP-3453 (MinimizeIPTablesRestore)",
    short: "KEP-3453",
    setting: "5,000-node scale test, network programming latency p50",
    published: "27 s → 13 s with partial restores; ≈ 5 s with min-sync-period 1 s",
    how:
      `not set against a prediction: the test's Service count is not published and its latency includes ` +
      `waiting for min-sync-period (10 s, then 1 s); for scale, a legacy iptables sync at 10k × 2 here ` +
      `takes ${fmtTime(partial10k?.total_ns)} (partial) and ${fmtTime(full10k?.total_ns)} (full)`,
  });
  return rows;
}
