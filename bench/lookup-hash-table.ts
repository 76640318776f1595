// The lookup suite's terminal table for the hash cores: staged against plain, Zipf, the DRAM
// roofline and the memory each holds per N; the group sweep; the targets judged.
import { HASH_CORES, lookupTargets, ZIPF_SCENARIO } from "../src/report/lookup-targets";
import { CaseResult } from "../src/report/results";
import { targetLine } from "../src/report/sync-targets";
import { fmtNs, fmtRatio, formatTable } from "../src/report/table";

const mib = (b: unknown) => (typeof b === "number" ? (b / 2 ** 20).toFixed(b < 2 ** 20 ? 3 : 1) : "-");

export function hashTable(all: CaseResult[]): string {
  const cases = all.filter((c) => c.suite === "lookup" && c.batch === 1024);
  const at = (impl: string, n: number, scenario?: string) => cases.find((c) => c.impl === impl && c.n === n && c.scenario === scenario);
  const t = (impl: string, n: number, scenario?: string) => at(impl, n, scenario)?.median_ns;
  const sizes = [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);
  const rows = sizes.flatMap((n) => HASH_CORES.filter((i) => at(i, n) || at(`${i}-plain`, n) || at(`dramG-${i}`, n)).map((i) => [
    n, i, fmtNs(t(i, n)), fmtNs(t(`${i}-plain`, n)), fmtRatio(t(`${i}-plain`, n), t(i, n)), fmtNs(t(i, n, ZIPF_SCENARIO)),
    fmtNs(t(`dram1-${i}`, n)), fmtNs(t(`dramG-${i}`, n)), fmtRatio(t(i, n), t(`dramG-${i}`, n)),
    mib(at(i, n)?.wasm_bytes), mib(at(i, n)?.wasm_peak_bytes),
  ]));
  if (rows.length === 0) return "";
  const g = cases.find((c) => c.impl.startsWith("dramG-"))?.reads_in_flight;
  const groups = cases.filter((c) => c.scenario?.startsWith("group-"));
  const groupLines = [...new Set(groups.map((c) => `${c.impl}|${c.n}`))].map((key) => {
    const row = groups.filter((c) => `${c.impl}|${c.n}` === key);
    return `group sweep (${row[0].impl}, N=${row[0].n}), ns per lookup: ` + row.map((c) => `G=${c.group}: ${fmtNs(c.median_ns)}`).join(", ");
  });
  return `hash cores, ns per lookup (median), batch 1024${g !== undefined ? `; staged in groups of G=${g}` : ""}\n` + formatTable(
    ["N", "core", "staged", "plain", "plain/staged", "zipf-1.1", "dram-1", "dram-G", "staged/dram-G", "MiB", "peak MiB"], rows,
  ) + "\n(dram-1: one dependent random read per lookup; dram-G: G independent reads at once; both over a buffer the table's size)" +
    (groupLines.length > 0 ? `\n${groupLines.join("\n")}` : "") +
    "\n\ntargets (hash lookups; one run, ratios within it)\n" + lookupTargets(all).map(targetLine).join("\n");
}
