// The hash cores' part of the lookup section: staged against plain, Zipf, the DRAM roofline, the
// WASM memory each core holds, the group sweep and the targets. The terminal table uses the same rows.
import { CaseResult, casesOf, HASH_CORES, LookupCase, LookupImpl, LookupScenario } from "./cases";
import { lookupTargets, ZIPF_SCENARIO } from "./lookup-targets";
import { mdTable, num, pivot } from "./markdown";
import { targetLine, targetsFinding } from "./sync-targets";
import { fmtNs, fmtRatio } from "./table";

export const HASH_HEADERS = [
  "N",
  "core",
  "probe",
  "lookup",
  "plain",
  "plain/lookup",
  ZIPF_SCENARIO,
  "dram-1",
  "dram-G",
  "lookup/dram-G",
  "MiB",
  "peak MiB",
];
const MEMORY_IMPLS = ["chain-scalar", "chain-simd", "svctable-fixed", "svctable-resizable", "vmap"];

const mib = (b: number | undefined) => (b !== undefined ? (b / 2 ** 20).toFixed(b < 2 ** 20 ? 3 : 1) : "-");
const main = (all: CaseResult[]) => casesOf(all, "lookup").filter((c) => c.batch === 1024);

/** One row per N and hash core, in HASH_HEADERS order: N, then the cells. */
export function hashRows(all: CaseResult[]): [number, ...string[]][] {
  const cases = main(all);
  const at = (impl: LookupImpl, n: number, scenario?: LookupScenario) =>
    cases.find((c) => c.impl === impl && c.n === n && c.scenario === scenario);
  const t = (impl: LookupImpl, n: number, scenario?: LookupScenario) => at(impl, n, scenario)?.median_ns;
  const sizes = [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);
  return sizes.flatMap((n) =>
    HASH_CORES.filter((i) => at(i, n) || at(`${i}-plain`, n) || at(`dramG-${i}`, n)).map((i): [number, ...string[]] => [
      n,
      i,
      at(i, n)?.probe ?? "-",
      fmtNs(t(i, n)),
      fmtNs(t(`${i}-plain`, n)),
      fmtRatio(t(`${i}-plain`, n), t(i, n)),
      fmtNs(t(i, n, ZIPF_SCENARIO)),
      fmtNs(t(`dram1-${i}`, n)),
      fmtNs(t(`dramG-${i}`, n)),
      fmtRatio(t(i, n), t(`dramG-${i}`, n)),
      mib(at(i, n)?.wasm_bytes),
      mib(at(i, n)?.wasm_peak_bytes),
    ]),
  );
}

/** G of the staged lookups, as the roofline cases record it. */
export function stagedGroup(all: CaseResult[]): number | undefined {
  return main(all).find((c) => c.impl.startsWith("dramG-"))?.reads_in_flight;
}

/** "core, N: G=4 … G=32" per group-sweep curve. */
export function groupSweeps(all: CaseResult[]): { impl: string; n: number; cases: LookupCase[] }[] {
  const groups = main(all).filter((c) => c.scenario?.startsWith("group-"));
  return [...new Set(groups.map((c) => `${c.impl}|${c.n}`))].map((key) => {
    const cases = groups.filter((c) => `${c.impl}|${c.n}` === key);
    return { impl: cases[0].impl, n: cases[0].n, cases };
  });
}

export function hashFindings(all: CaseResult[]): string[] {
  const targets = lookupTargets(all);
  const judged = targetsFinding("Hash lookup targets", targets, "the lookup section");
  return judged ? [judged] : [];
}

export function hashBody(all: CaseResult[]): string[] {
  const rows = hashRows(all);
  if (rows.length === 0) return [];
  const g = stagedGroup(all);
  const parts = [
    `The hash cores' batch lookup (lookup) is staged once the table outgrows an L2 cache (probe: staged ` +
      `from 512 KiB, plain below): ${g !== undefined ? `G = ${g}` : "G"} packets at a time, their hashes, ` +
      `then their first slots or bucket heads (loads that do not wait on each other, so their cache misses ` +
      `overlap), then each probe finished in rounds. ` +
      "Beside it the plain probe (one packet after another), Zipf s = 1.1 traffic, and the memory system's " +
      "limit: random 64-byte reads over a buffer the size of the table, one dependent read per lookup " +
      "(dram-1) and G independent reads at once (dram-G). " +
      "MiB is the WASM linear memory the table holds; peak MiB the most it held at once, while doubling. Median ns per lookup, batch 1024:",
    mdTable(
      HASH_HEADERS,
      rows.map(([n, ...rest]) => [num(n), ...rest]),
    ),
  ];
  const memory = main(all).filter((c) => c.scenario === undefined && c.wasm_bytes !== undefined);
  if (memory.length > 0) {
    parts.push(
      "WASM linear memory each core holds (MiB; the TypeScript cores hold JS heap instead):",
      pivot(
        memory,
        MEMORY_IMPLS.filter((i) => memory.some((c) => c.impl === i)),
        (c) => mib(c?.wasm_bytes),
      ),
    );
  }
  const sweeps = groupSweeps(all);
  if (sweeps.length > 0) {
    const gs = [...new Set(sweeps.flatMap((s) => s.cases.map((c) => c.group ?? NaN)))].sort((a, b) => a - b);
    parts.push(
      "Group-size sweep of the staged probe, ns per lookup (batch 1024):",
      mdTable(
        ["core", "N", ...gs.map((x) => `G=${x}`)],
        sweeps.map((s) => [s.impl, num(s.n), ...gs.map((x) => fmtNs(s.cases.find((c) => c.group === x)?.median_ns))]),
      ),
    );
  }
  parts.push(
    "Targets, judged in this run:\n\n" +
      lookupTargets(all)
        .map((t) => `- ${targetLine(t)}`)
        .join("\n") +
      "\n\nWhat bounds them: at 100 Services a lookup's reads hit L1 and its time is all compute; at 1M each probe waits on memory " +
      "(dram-1 is one such wait, DRAM and page walk), and even G reads in flight (dram-G) cost about what a whole cached lookup does. " +
      "The resizable IPVS table reads a bucket head and then at least one entry, each waiting on the one before " +
      "(1.5 entries on average at one entry per bucket), so about 2.5 reads per lookup: 2× the one-read roofline is beyond it by construction.",
  );
  return parts;
}
