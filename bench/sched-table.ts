// The sched suite's terminal tables: ns per pick, conntrack hit vs miss, balance, disruption, targets.
import { SCHEDULERS } from "../src/ipvs";
import {
  BalanceCase,
  balanceOf,
  CaseResult,
  ConntrackCase,
  conntrackOf,
  DisruptionCase,
  disruptionOf,
  PickCase,
  picksOf,
} from "../src/report/cases";
import { fmtNs, fmtRatio, formatTable } from "../src/report/table";

const sizesOf = (cases: readonly { n: number }[]) => [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);
const pct = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "-");
const fix = (v: number | undefined, d = 2) => (v !== undefined && Number.isFinite(v) ? v.toFixed(d) : "-");

function pickTable(cases: PickCase[]): string {
  const sizes = sizesOf(cases);
  const at = (impl: string, n: number) => cases.find((c) => c.impl === impl && c.n === n)?.median_ns;
  const rows = [...SCHEDULERS, "maglev-16381"]
    .filter((s) => cases.some((c) => c.impl === s || c.impl === `${s}-ts`))
    .map((s) => [
      s,
      ...sizes.map((n) => fmtNs(at(s, n))),
      ...sizes.map((n) => fmtNs(at(`${s}-ts`, n))),
      ...sizes.map((n) => fmtRatio(at(`${s}-ts`, n), at(s, n))),
    ]);
  return (
    `ns per pick (median), batch ${cases[0]?.batch ?? ""}, WASM | TS twin | TS/WASM, by number of dests\n` +
    formatTable(["sched", ...sizes.map(String), ...sizes.map((n) => `ts ${n}`), ...sizes.map((n) => `×${n}`)], rows)
  );
}

function conntrackTable(cases: ConntrackCase[]): string {
  const at = (impl: string, n: number, sc: string) =>
    cases.find((c) => c.impl === impl && c.n === n && c.scenario === sc)?.median_ns;
  const rows = sizesOf(cases).map((n) => [
    n,
    fmtNs(at("conntrack", n, "hit")),
    fmtNs(at("conntrack", n, "miss")),
    fmtNs(at("conntrack-rsz", n, "miss")),
    fmtNs(at("conntrack-ts", n, "hit")),
    fmtNs(at("conntrack-ts", n, "miss")),
    fmtRatio(at("conntrack", n, "miss"), at("conntrack", n, "hit")),
    fmtRatio(at("conntrack-ts", n, "hit"), at("conntrack", n, "hit")),
  ]);
  return (
    "ns per packet through the IPVS route (median): established (hit) vs first packet (miss: lookup, schedule, record, plus one expiry)\n" +
    formatTable(["Services", "hit", "miss", "miss rsz", "hit ts", "miss ts", "miss/hit", "ts/wasm hit"], rows)
  );
}

function balanceTable(cases: BalanceCase[]): string {
  const weightings = [...new Set(cases.map((c) => c.scenario))];
  const rows = SCHEDULERS.filter((s) => cases.some((c) => c.impl === s)).map((s) => [
    s,
    ...weightings.flatMap((w) => {
      const c = cases.find((x) => x.impl === s && x.scenario === w);
      return [fix(c?.max_mean), fix(c?.jain, 3), fix(c?.p99_queue, 0), fix(c?.mean_response_ms, 0)];
    }),
  ]);
  const c0 = cases[0];
  return (
    `balance over ${c0?.n} pods of speeds ${c0?.speeds.join(",")}, load ${c0?.load}, ${c0?.connections} connections ` +
    `(utilization max/mean, Jain's index, p99 connections at the chosen pod, mean response ms)\n` +
    formatTable(
      ["sched", ...weightings.flatMap((w) => [`${w.replace("balance-", "")}: max/mean`, "Jain", "p99 q", "resp ms"])],
      rows,
    )
  );
}

function disruptionTable(cases: DisruptionCase[]): string {
  const rows = cases.map((c) => [
    c.impl,
    `${c.n}${c.over_table ? " !" : ""}`,
    String(c.table_size),
    pct(c.dests_with_entries),
    `${pct(c.moved_remove)} (${pct(c.removed_share)}; ${pct(c.ideal_remove)})`,
    `${pct(c.moved_add)} (${pct(c.ideal_add)})`,
    fmtNs(c.median_ns),
  ]);
  const removals = cases[0]?.removals;
  return (
    `flows moved when one of N dests is removed${removals ? ` (mean of ${removals} dests drawn among those holding a table entry)` : ""}, ` +
    "in brackets the removed dest's own flows and 1/N; when one is added (1/(N+1)); share of dests holding a table entry; ns per dest change with its table rebuild\n" +
    formatTable(["sched", "N", "table", "dests w/ entry", "moved on remove", "moved on add", "ns/change"], rows) +
    (cases.some((c) => c.over_table)
      ? "\n! N is above the table's size: the dests without an entry never get a new connection"
      : "")
  );
}

function targets(cases: CaseResult[]): string {
  const picks = picksOf(cases);
  const lines: string[] = [];
  for (const n of sizesOf(picks)) {
    const mh = picks.find((c) => c.impl === "mh" && c.n === n)?.median_ns,
      dh = picks.find((c) => c.impl === "dh" && c.n === n)?.median_ns;
    if (mh !== undefined && dh !== undefined)
      lines.push(`mh pick / dh pick at ${n} dests: ${fmtRatio(mh, dh)} (target <= ×2)`);
  }
  const ct = conntrackOf(cases).filter((c) => c.impl === "conntrack");
  const big = Math.max(...ct.map((c) => c.n));
  const hit = ct.find((c) => c.n === big && c.scenario === "hit")?.median_ns,
    miss = ct.find((c) => c.n === big && c.scenario === "miss")?.median_ns;
  if (hit !== undefined && miss !== undefined)
    lines.push(`conntrack hit / miss at ${big} Services: ${fmtRatio(hit, miss)} (target <= ×0.5)`);
  const slower = picks
    .filter((c) => !c.impl.endsWith("-ts"))
    .filter((c) => {
      const ts = picks.find((t) => t.impl === `${c.impl}-ts` && t.n === c.n);
      return ts !== undefined && ts.median_ns < c.median_ns;
    });
  if (picks.length > 0)
    lines.push(
      slower.length === 0
        ? "every WASM scheduler is at least as fast as its TS twin"
        : `TS twin faster than WASM: ${slower.map((c) => `${c.impl} at ${c.n}`).join(", ")}`,
    );
  return lines.join("\n");
}

export function schedTable(all: CaseResult[]): string {
  const picks = picksOf(all),
    ct = conntrackOf(all),
    bal = balanceOf(all),
    dis = disruptionOf(all);
  const parts = [
    picks.length > 0 && pickTable(picks),
    ct.length > 0 && conntrackTable(ct),
    bal.length > 0 && balanceTable(bal),
    dis.length > 0 && disruptionTable(dis),
    targets(all),
  ];
  return parts.filter(Boolean).join("\n\n");
}
