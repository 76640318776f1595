// The lookup suite's terminal table for the hash cores: staged against plain, Zipf, the DRAM
// roofline and the memory each holds per N; the group sweep; the targets judged.
import { groupSweeps, HASH_HEADERS, hashRows, stagedGroup } from "../src/report/lookup-hash-section";
import { lookupTargets } from "../src/report/lookup-targets";
import { CaseResult } from "../src/report/results";
import { targetLine } from "../src/report/sync-targets";
import { fmtNs, formatTable } from "../src/report/table";

export function hashTable(all: CaseResult[]): string {
  const rows = hashRows(all);
  if (rows.length === 0) return "";
  const g = stagedGroup(all);
  const groupLines = groupSweeps(all).map(
    (s) =>
      `group sweep (${s.impl}, N=${s.n}), ns per lookup: ` +
      s.cases.map((c) => `G=${c.group}: ${fmtNs(c.median_ns)}`).join(", "),
  );
  return (
    `hash cores, ns per lookup (median), batch 1024${g !== undefined ? `; staged in groups of G=${g}` : ""}\n` +
    formatTable(HASH_HEADERS, rows) +
    "\n(dram-1: one dependent random read per lookup; dram-G: G independent reads at once; both over a buffer the table's size)" +
    (groupLines.length > 0 ? `\n${groupLines.join("\n")}` : "") +
    "\n\ntargets (hash lookups; one run, ratios within it)\n" +
    lookupTargets(all).map(targetLine).join("\n")
  );
}
