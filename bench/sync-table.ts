// The sync suite's terminal table: ns per sync by mode and N for each scenario and endpoint count, end
// to end and proxier.sync alone, what each sync wrote, each curve's complexity fit, and the targets.
import { PROXY_MODES, ProxyMode } from "../src/modes";
import { CaseResult, casesOf, SyncChangeCase, SyncScenario } from "../src/report/cases";
import { fitPoints } from "../src/report/fit";
import { changesOf, endpointCounts, findChange, syncTargets, targetLine } from "../src/report/sync-targets";
import { fmtNs, fmtRatio, formatTable } from "../src/report/table";

const SCENARIOS: readonly SyncScenario[] = ["create-service", "add-pod", "burst-100"];

function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return "-";
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : String(n);
}

/** Curves by (impl, scenario, E): complexity class and log-log slope of the median over N. */
function syncFits(
  cases: SyncChangeCase[],
): { impl: string; scenario: string; endpoints: number; fit: ReturnType<typeof fitPoints> }[] {
  const keys = new Map<string, SyncChangeCase[]>();
  for (const c of cases) {
    const k = `${c.impl}|${c.scenario}|${c.endpoints}`;
    keys.set(k, [...(keys.get(k) ?? []), c]);
  }
  return [...keys.values()].map((g) => ({
    impl: g[0].impl,
    scenario: g[0].scenario,
    endpoints: g[0].endpoints,
    fit: fitPoints(g.map((c) => ({ n: c.n, t: c.median_ns }))),
  }));
}

export function syncTable(all: CaseResult[]): string {
  const dial = casesOf(all, "sync").find((c) => c.scenario === "dial-retries");
  const cases = changesOf(all);
  const impls = PROXY_MODES.filter((m) => cases.some((c) => c.impl === m));
  const sizes = [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);
  const es = endpointCounts(cases);
  const find = (impl: ProxyMode, sc: SyncScenario, n: number, e: number) => findChange(cases, impl, sc, n, e);
  const out: string[] = [];
  for (const e of es) {
    const rows: (string | number)[][] = [];
    const model: (string | number)[][] = [];
    const writes: (string | number)[][] = [];
    for (const sc of SCENARIOS) {
      for (const n of sizes.filter((n) => cases.some((c) => c.n === n && c.endpoints === e))) {
        rows.push([
          sc,
          n,
          ...impls.map((i) => fmtNs(find(i, sc, n, e)?.median_ns)),
          fmtRatio(find("iptables-full", sc, n, e)?.median_ns, find("iptables-partial", sc, n, e)?.median_ns),
        ]);
        model.push([
          sc,
          n,
          ...impls.map((i) => fmtNs(find(i, sc, n, e)?.sync_ns)),
          fmtRatio(find("iptables-full", sc, n, e)?.sync_ns, find("iptables-partial", sc, n, e)?.sync_ns),
        ]);
        writes.push([
          sc,
          n,
          ...impls.map((i) => {
            const c = find(i, sc, n, e);
            return c ? `${fmtCount(c.rules_written)} / ${fmtCount(c.bytes_written)}` : "-";
          }),
        ]);
      }
    }
    out.push(
      `sync, E = ${e} endpoints per Service: ns per sync (median; burst-100 is one sync of 100 changes)\n` +
        formatTable(["scenario", "N", ...impls, "full/partial"], rows),
    );
    out.push(
      `proxier.sync alone (model work, median; "-": no sync, userspace endpoint changes go straight to its balancer), E = ${e}\n` +
        formatTable(["scenario", "N", ...impls, "full/partial"], model),
    );
    out.push(`rules / bytes written by that sync, E = ${e}\n` + formatTable(["scenario", "N", ...impls], writes));
  }
  const fits = syncFits(cases).filter((f) => f.fit);
  if (fits.length > 0) {
    const rows = SCENARIOS.flatMap((sc) =>
      es.map((e) => [
        sc,
        e,
        ...impls.map((i) => {
          const f = fits.find((x) => x.impl === i && x.scenario === sc && x.endpoints === e)?.fit;
          return f ? `${f.class} (${f.loglog_slope.toFixed(2)})` : "-";
        }),
      ]),
    );
    out.push("complexity over N (best class, log-log slope)\n" + formatTable(["scenario", "E", ...impls], rows));
  }
  if (dial) {
    out.push(
      `userspace dials, ${dial.refusing} of ${dial.endpoints} pods refusing: ${fmtNs(dial.median_ns)} ns per connection; ` +
        `${dial.mean_attempts.toFixed(2)} attempts and ${dial.mean_connect_ms.toFixed(2)} ms to connect on average ` +
        `(p99 ${dial.p99_connect_ms.toFixed(2)} ms), ${(dial.failed_share * 100).toFixed(1)}% failed after 4 attempts`,
    );
  }
  if (cases.length > 0) out.push("targets\n" + syncTargets(cases).map(targetLine).join("\n"));
  return out.join("\n\n");
}
