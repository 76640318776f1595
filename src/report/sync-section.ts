// The sync suite in REPORT.md: findings (issue 5's targets among them), per-scenario tables end to end
// and proxier.sync alone, what each sync wrote, fits and a chart.
import { PROXY_MODES } from "../modes";
import { ChartSpec, logLogLines } from "./charts";
import { Fit } from "./fit";
import { mdTable, num, x } from "./markdown";
import { CaseResult } from "./results";
import { ReportSection } from "./section";
import { syncTargets, targetLine } from "./sync-targets";
import { fmtNs, fmtTime } from "./table";

const SCENARIOS = ["create-service", "add-pod", "burst-100"];

const find = (cases: CaseResult[], impl: string, sc: string, n: number, e: number) =>
  cases.find((c) => c.impl === impl && c.scenario === sc && c.n === n && c.endpoints === e);
const ms = fmtTime;
const syncNs = (c: CaseResult | undefined) => (typeof c?.sync_ns === "number" ? c.sync_ns : undefined);

export const syncSection: ReportSection = {
  suite: "sync",
  title: "Per change: from an event to rules that route it (sync)",

  findings(cases) {
    if (cases.length === 0) return [];
    const out: string[] = [];
    const e = 2;
    const sizes = [...new Set(cases.filter((c) => c.endpoints === e).map((c) => c.n))].sort((a, b) => a - b);
    const big = sizes[sizes.length - 1];
    const t = (impl: string, sc: string, n = big) => find(cases, impl, sc, n, e)?.median_ns;
    const s = (impl: string, sc: string, n = big) => syncNs(find(cases, impl, sc, n, e));
    const full = t("iptables-full", "add-pod"), partial = t("iptables-partial", "add-pod"), nft = t("nftables", "add-pod"), ipvs = t("ipvs", "add-pod");
    if (full !== undefined && partial !== undefined && nft !== undefined && ipvs !== undefined) {
      out.push(`One more pod behind one of ${num(big)} Services (2 pods each) reaches the rules in ${ms(full)} with an iptables full sync, ${ms(partial)} with a partial sync (${x(full / partial)} less), ${ms(nft)} with nftables and ${ms(ipvs)} with IPVS, controller and change tracking included; ` +
        `proxier.sync alone takes ${ms(s("iptables-full", "add-pod"))}, ${ms(s("iptables-partial", "add-pod"))}, ${ms(s("nftables", "add-pod"))} and ${ms(s("ipvs", "add-pod"))}.`);
    }
    const burstNft = s("nftables", "burst-100"), burstIpvs = s("ipvs", "burst-100");
    if (burstNft !== undefined && burstIpvs !== undefined) {
      out.push(`A burst of 100 pod changes at ${num(big)} Services is one sync (min-sync-period 1 s): its model work (proxier.sync alone) is ${ms(burstIpvs / 100)} per change for IPVS and ${ms(burstNft / 100)} for nftables (end to end ${ms(t("ipvs", "burst-100")! / 100)} and ${ms(t("nftables", "burst-100")! / 100)}).`);
    }
    const targets = syncTargets(cases);
    if (targets.some((g) => g.met !== undefined)) out.push(`Targets: ${targets.map(targetLine).join("; ")}.`);
    const wrote = find(cases, "iptables-full", "add-pod", big, e), wroteP = find(cases, "iptables-partial", "add-pod", big, e);
    if (wrote && wroteP) {
      out.push(`That one pod makes an iptables full sync write ${num(Number(wrote.rules_written))} rules (${(Number(wrote.bytes_written) / 1e6).toFixed(1)} MB) and a partial sync ${num(Number(wroteP.rules_written))} rules (KUBE-SERVICES is always rewritten whole); nftables wrote ${num(Number(find(cases, "nftables", "add-pod", big, e)?.rules_written))} commands and IPVS ${num(Number(find(cases, "ipvs", "add-pod", big, e)?.rules_written))} operation.`);
    }
    const us = cases.filter((c) => c.impl === "userspace" && c.scenario === "create-service" && c.endpoints === e).sort((a, b) => a.n - b.n);
    if (us.length >= 2) {
      const [a, b] = [us[us.length - 2], us[us.length - 1]];
      out.push(`The userspace proxier re-checks every portal on each Service sync (ensurePortals): a new Service at ${num(b.n)} Services costs ${ms(b.median_ns)}, ${x(b.median_ns / a.median_ns)} its cost at ${num(a.n)}; it cannot run past 28,232 service ports on a node (one local port each).`);
    }
    const dial = cases.find((c) => c.scenario === "dial-retries");
    if (dial) {
      out.push(`With ${dial.refusing} of ${dial.endpoints} pods refusing, a userspace connection takes ${Number(dial.mean_attempts).toFixed(2)} dial attempts and ${Number(dial.mean_connect_ms).toFixed(2)} ms on average (simulated; p99 ${Number(dial.p99_connect_ms).toFixed(2)} ms), ${(Number(dial.failed_share) * 100).toFixed(1)}% fail after the four attempts of 250 ms … 2 s.`);
    }
    return out;
  },

  body(all, fits) {
    const cases = all.filter((c) => c.scenario !== "dial-retries");
    const impls = PROXY_MODES.filter((m) => cases.some((c) => c.impl === m));
    const es = [...new Set(cases.map((c) => Number(c.endpoints)))].sort((a, b) => a - b);
    const parts: string[] = [
      "Median per sync: the timed work is the event through the endpoints controller and the change trackers, then one sync of the model kernel. " +
      "burst-100 is 100 pod changes in one sync; userspace endpoint changes need no sync at all (they go straight to its balancer). Rules / bytes are what that sync wrote; `sync` is proxier.sync alone, the model work " +
      `(the fewest samples a case has is ${Math.min(...cases.map((c) => c.samples))}; p99, samples and the first full sync are in \`sync.json\`).`,
    ];
    for (const e of es) {
      const sizes = [...new Set(cases.filter((c) => c.endpoints === e).map((c) => c.n))].sort((a, b) => a - b);
      const rows = SCENARIOS.flatMap((sc) => sizes.map((n) => [sc, num(n), ...impls.map((i) => {
        const c = find(cases, i, sc, n, e);
        return c ? `${fmtNs(c.median_ns)} (sync ${fmtNs(syncNs(c))}; ${num(Number(c.rules_written))} / ${fmtBytes(Number(c.bytes_written))})` : "-";
      })]));
      parts.push(`E = ${e} pods per Service: ns per change end to end (sync alone; rules / bytes written)`, mdTable(["scenario", "N", ...impls], rows));
    }
    parts.push(...workTable(cases));
    const f = fits.filter((x) => x.suite === "sync");
    if (f.length > 0) {
      parts.push("Complexity fit per curve (median over N):", mdTable(["mode", "scenario", "E", "class", "RMS", "log-log slope"],
        f.map((x: Fit) => [x.impl, x.scenario ?? "", String(x.endpoints ?? ""), x.class, `${(x.rms * 100).toFixed(0)}%`, x.loglog_slope.toFixed(2)])));
    }
    return parts.join("\n\n");
  },

  charts(cases): ChartSpec[] {
    const rows = cases.filter((c) => c.scenario === "add-pod").map((c) => ({ n: c.n, ns: c.median_ns, impl: c.impl, E: `E=${c.endpoints}` }));
    return rows.length === 0 ? [] : [logLogLines("sync.svg", "One more pod: ns from the event to rules applied vs Services",
      rows, { field: "n", title: "Services (N)" }, { field: "ns", title: "ns per sync (median)" }, "impl", "E")];
  },
};

/**
 * kube-proxy's per-sync loop as each mode ran it for one more pod at E = 2: service ports visited,
 * endpoints categorized, objects compared, netlink calls (ipvs), and the log-log slope of the sync alone
 * over N = 1k..100k for nftables and ipvs.
 */
function workTable(cases: CaseResult[]): string[] {
  const rows = cases.filter((c) => c.scenario === "add-pod" && c.endpoints === 2 && typeof c.svc_ports_visited === "number")
    .sort((a, b) => PROXY_MODES.indexOf(a.impl as never) - PROXY_MODES.indexOf(b.impl as never) || a.n - b.n);
  if (rows.length === 0) return [];
  const slopes = syncTargets(cases).filter((t) => / sync grows as kube-proxy's per-sync loop/.test(t.target));
  return [
    "kube-proxy's per-sync work, one more pod at E = 2 (every sync visits every service port and categorizes its endpoints, as kube-proxy's syncProxyRules loop does; a partial sync skips only the writes):",
    mdTable(["mode", "N", "sync", "service ports visited", "endpoints categorized", "objects compared", "netlink calls", "rules written"],
      rows.map((c) => [c.impl, num(c.n), fmtNs(syncNs(c)), num(Number(c.svc_ports_visited)), num(Number(c.endpoints_categorized)), num(Number(c.objects_compared)), num(Number(c.netlink_calls)), num(Number(c.rules_written))])),
    ...slopes.map((t) => `Log-log slope of the sync alone: ${targetLine(t)}.`),
  ];
}

function fmtBytes(b: number): string {
  return !Number.isFinite(b) ? "-" : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(0)} kB` : `${b} B`;
}
