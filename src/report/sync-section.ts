// The sync suite in REPORT.md: findings (its targets among them), per-scenario tables end to end
// and proxier.sync alone, what each sync wrote, fits and a chart.
import { PROXY_MODES, ProxyMode } from "../modes";
import { casesOf, SyncChangeCase, SyncScenario } from "./cases";
import { ChartSpec, nsOverServices } from "./charts";
import { Fit } from "./fit";
import { mdTable, num, x } from "./markdown";
import { ReportSection } from "./section";
import { changesOf, endpointCounts, findChange as find, syncTargets, targetLine, targetsFinding } from "./sync-targets";
import { fmtNs, fmtTime } from "./table";

const SCENARIOS: readonly SyncScenario[] = ["create-service", "add-pod", "burst-100"];

const ms = fmtTime;

export const syncSection: ReportSection = {
  suite: "sync",
  title: "Per change: from an event to rules that route it (sync)",

  findings(all) {
    const sync = casesOf(all, "sync"),
      cases = changesOf(all);
    if (sync.length === 0) return [];
    const out: string[] = [];
    const e = 2;
    const sizes = [...new Set(sync.filter((c) => c.endpoints === e).map((c) => c.n))].sort((a, b) => a - b);
    const big = sizes[sizes.length - 1];
    const t = (impl: ProxyMode, sc: SyncScenario, n = big) => find(cases, impl, sc, n, e)?.median_ns;
    const s = (impl: ProxyMode, sc: SyncScenario, n = big) => find(cases, impl, sc, n, e)?.sync_ns;
    const full = t("iptables-full", "add-pod"),
      partial = t("iptables-partial", "add-pod"),
      nft = t("nftables", "add-pod"),
      ipvs = t("ipvs", "add-pod");
    if (full !== undefined && partial !== undefined && nft !== undefined && ipvs !== undefined) {
      out.push(
        `One more pod behind one of ${num(big)} Services (2 pods each) reaches the rules in ${ms(full)} with ` +
          `an iptables full sync, ${ms(partial)} with a partial sync (${x(full / partial)} less), ${ms(nft)} ` +
          `with nftables and ${ms(ipvs)} with IPVS, controller and change tracking included; ` +
          `proxier.sync alone takes ${ms(s("iptables-full", "add-pod"))}, ${ms(s("iptables-partial", "add-pod"))}, ${ms(s("nftables", "add-pod"))} and ${ms(s("ipvs", "add-pod"))}.`,
      );
    }
    const burstNft = s("nftables", "burst-100"),
      burstIpvs = s("ipvs", "burst-100");
    if (burstNft !== undefined && burstIpvs !== undefined) {
      out.push(
        `A burst of 100 pod changes at ${num(big)} Services is one sync (min-sync-period 1 s): its model ` +
          `work (proxier.sync alone) is ${ms(burstIpvs / 100)} per change for IPVS and ${ms(burstNft / 100)} ` +
          `for nftables (end to end ${ms(t("ipvs", "burst-100")! / 100)} and ${ms(t("nftables", "burst-100")! / 100)}).`,
      );
    }
    const targets = syncTargets(all);
    const judged = targetsFinding("Sync targets", targets, "the sync section");
    if (judged) out.push(judged);
    const wrote = find(cases, "iptables-full", "add-pod", big, e),
      wroteP = find(cases, "iptables-partial", "add-pod", big, e);
    const rules = (impl: ProxyMode) => num(find(cases, impl, "add-pod", big, e)?.rules_written ?? NaN);
    if (wrote && wroteP) {
      out.push(
        `That one pod makes an iptables full sync write ${num(wrote.rules_written)} rules (${(wrote.bytes_written / 1e6).toFixed(1)} MB) ` +
          `and a partial sync ${num(wroteP.rules_written)} rules (KUBE-SERVICES is always rewritten whole); ` +
          `nftables wrote ${rules("nftables")} commands and IPVS ${rules("ipvs")} operation.`,
      );
    }
    const us = cases
      .filter((c) => c.impl === "userspace" && c.scenario === "create-service" && c.endpoints === e)
      .sort((a, b) => a.n - b.n);
    if (us.length >= 2) {
      const [a, b] = [us[us.length - 2], us[us.length - 1]];
      out.push(
        `The userspace proxier re-checks every portal on each Service sync (ensurePortals): a new Service at ` +
          `${num(b.n)} Services costs ${ms(b.median_ns)}, ${x(b.median_ns / a.median_ns)} its cost at ` +
          `${num(a.n)}; it cannot run past 28,232 service ports on a node (one local port each).`,
      );
    }
    const dial = sync.find((c) => c.scenario === "dial-retries");
    if (dial) {
      out.push(
        `With ${dial.refusing} of ${dial.endpoints} pods refusing, a userspace connection takes ${dial.mean_attempts.toFixed(2)} dial attempts ` +
          `and ${dial.mean_connect_ms.toFixed(2)} ms on average (simulated; p99 ${dial.p99_connect_ms.toFixed(2)} ms), ` +
          `${(dial.failed_share * 100).toFixed(1)}% fail after the four attempts of 250 ms … 2 s.`,
      );
    }
    return out;
  },

  body(all, fits) {
    const cases = changesOf(all);
    const impls = PROXY_MODES.filter((m) => cases.some((c) => c.impl === m));
    const es = endpointCounts(cases);
    const parts: string[] = [
      "Median per sync: the timed work is the event through the endpoints controller and the change trackers, then one sync of the model kernel. " +
        "burst-100 is 100 pod changes in one sync; userspace endpoint changes need no sync at all (they go straight to its balancer). Rules / bytes are what that sync wrote; `sync` is proxier.sync alone, the model work " +
        `(the fewest samples a case has is ${Math.min(...cases.map((c) => c.samples))}; p99, samples and the first full sync are in \`sync.json\`).`,
    ];
    for (const e of es) {
      const sizes = [...new Set(cases.filter((c) => c.endpoints === e).map((c) => c.n))].sort((a, b) => a - b);
      const rows = SCENARIOS.flatMap((sc) =>
        sizes.map((n) => [
          sc,
          num(n),
          ...impls.map((i) => {
            const c = find(cases, i, sc, n, e);
            return c
              ? `${fmtNs(c.median_ns)} (sync ${fmtNs(c.sync_ns)}; ${num(c.rules_written)} / ${fmtBytes(c.bytes_written)})`
              : "-";
          }),
        ]),
      );
      parts.push(
        `E = ${e} pods per Service: ns per change end to end (sync alone; rules / bytes written)`,
        mdTable(["scenario", "N", ...impls], rows),
      );
    }
    parts.push(...workTable(cases));
    if (cases.length > 0)
      parts.push(
        "Targets, judged in this run:\n\n" +
          syncTargets(cases)
            .map((t) => `- ${targetLine(t)}`)
            .join("\n"),
      );
    const f = fits.filter((x) => x.suite === "sync");
    if (f.length > 0) {
      parts.push(
        "Complexity fit per curve (median over N):",
        mdTable(
          ["mode", "scenario", "E", "class", "RMS", "log-log slope"],
          f.map((x: Fit) => [
            x.impl,
            x.scenario ?? "",
            String(x.endpoints ?? ""),
            x.class,
            `${(x.rms * 100).toFixed(0)}%`,
            x.loglog_slope.toFixed(2),
          ]),
        ),
      );
    }
    return parts.join("\n\n");
  },

  charts(all): ChartSpec[] {
    const rows = changesOf(all)
      .filter((c) => c.scenario === "add-pod")
      .map((c) => ({ n: c.n, ns: c.median_ns, impl: c.impl, E: `E=${c.endpoints}` }));
    return nsOverServices(
      "sync.svg",
      "One more pod: ns from the event to rules applied vs Services",
      rows,
      "sync",
      "E",
    );
  },
};

/**
 * kube-proxy's per-sync loop as each mode ran it for one more pod at E = 2: service ports visited,
 * endpoints categorized, objects compared, netlink calls (ipvs), and the log-log slope of the sync alone
 * over N = 1k..100k for nftables and ipvs.
 */
function workTable(cases: SyncChangeCase[]): string[] {
  const rows = cases
    .filter((c) => c.scenario === "add-pod" && c.endpoints === 2 && c.svc_ports_visited !== undefined)
    .sort((a, b) => PROXY_MODES.indexOf(a.impl) - PROXY_MODES.indexOf(b.impl) || a.n - b.n);
  if (rows.length === 0) return [];
  const slopes = syncTargets(cases).filter((t) => / sync grows as kube-proxy's per-sync loop/.test(t.target));
  return [
    "kube-proxy's per-sync work, one more pod at E = 2 (every sync visits every service port and categorizes its endpoints, as kube-proxy's syncProxyRules loop does; a partial sync skips only the writes):",
    mdTable(
      [
        "mode",
        "N",
        "sync",
        "service ports visited",
        "endpoints categorized",
        "objects compared",
        "netlink calls",
        "rules written",
      ],
      rows.map((c) => [
        c.impl,
        num(c.n),
        fmtNs(c.sync_ns),
        ...[c.svc_ports_visited, c.endpoints_categorized, c.objects_compared, c.netlink_calls].map((v) =>
          num(v ?? NaN),
        ),
        num(c.rules_written),
      ]),
    ),
    ...slopes.map((t) => `Log-log slope of the sync alone: ${targetLine(t)}.`),
  ];
}

function fmtBytes(b: number): string {
  return !Number.isFinite(b)
    ? "-"
    : b >= 1e6
      ? `${(b / 1e6).toFixed(1)} MB`
      : b >= 1e3
        ? `${(b / 1e3).toFixed(0)} kB`
        : `${b} B`;
}
