// The published results set: per-suite JSON, report.json, REPORT.md and charts/*.svg, built in
// memory first and then written as one set (results-set.ts): all of it lands or none.
import fs from "node:fs";
import path from "node:path";
import { renderSvg } from "./charts";
import { Comparison, readResultsFile, summarize } from "./compare";
import { Fit, fitCases } from "./fit";
import { mdTable } from "./markdown";
import { PUBLISHED } from "./published";
import { CaseResult, ResultsFile, RunEnv } from "./results";
import { writeSet } from "./results-set";
import { ReportSection } from "./section";
import { SECTIONS } from "./sections";
import { fmtNs } from "./table";

interface Report {
  env: RunEnv;
  /** The run each suite's cases came from (this run, or an earlier one kept in the folder). */
  runs: Record<string, RunEnv>;
  cases: CaseResult[];
  fits: Fit[];
  comparison?: { baseline: string; threshold_pct: number; cases: Comparison[] };
}

/** Suite results this run did not produce but the folder already holds, so the report shows them too. */
export function keptSuites(outDir: string, ran: string[], files: Record<string, string>): Map<string, ResultsFile> {
  const kept = new Map<string, ResultsFile>();
  for (const [suite, file] of Object.entries(files)) {
    const p = path.join(outDir, file);
    if (ran.includes(suite) || !fs.existsSync(p)) continue;
    try {
      kept.set(suite, readResultsFile(p, "earlier result"));
    } catch (err) {
      process.stderr.write(`svcbench: leaving ${suite} out of the report: ${(err as Error).message}\n`);
    }
  }
  return kept;
}

const readBy = (s: ReportSection, suite: string) => suite === s.suite || (s.related ?? []).includes(suite);
/** The cases a section reads: its suite's and its related suites'. */
const casesOf = (r: Pick<Report, "cases">, s: ReportSection) => r.cases.filter((c) => readBy(s, c.suite));
/** A section appears when its own suite has cases. */
const has = (r: Pick<Report, "cases">, s: ReportSection) => r.cases.some((c) => c.suite === s.suite);

function envLine(e: RunEnv): string {
  return `${e.date.slice(0, 10)}, commit ${e.commit}, Node ${e.node} (V8 ${e.v8}), ${e.cpu} × ${e.cores}, seed ${e.seed}`;
}

function reportMarkdown(r: Report): string {
  const out = [
    "# svcbench report",
    "",
    `What a Kubernetes Service costs on a node, per packet and per change, by kube-proxy mode. Run: ${envLine(r.env)}.`,
    "Times are medians in ns per operation; every figure, with p99, rme and sample counts, is in `report.json`.",
    "Compare ratios within one run: absolute times move between machines.",
  ];
  const findings = SECTIONS.flatMap((s) => (has(r, s) ? s.findings(casesOf(r, s)) : []));
  if (findings.length > 0) out.push("", "## Findings", "", ...findings.map((f) => `- ${f}`));
  for (const s of SECTIONS) {
    if (!has(r, s)) continue;
    const run = r.runs[s.suite];
    out.push("", `## ${s.title}`, "");
    if (run && run.date !== r.env.date) out.push(`(From an earlier run: ${envLine(run)}.)`, "");
    out.push(
      s.body(
        casesOf(r, s),
        r.fits.filter((f) => readBy(s, f.suite)),
      ),
    );
    for (const c of s.charts(casesOf(r, s))) out.push("", `![${c.title}](charts/${c.file})`);
  }
  out.push("", "## Published numbers beside ours", "", PUBLISHED);
  if (r.comparison) {
    const c = r.comparison;
    const changed = c.cases.filter((x) => x.verdict !== "no change");
    out.push(
      "",
      "## Against the baseline",
      "",
      `Baseline \`${c.baseline}\`; a change counts when the median moved more than ${c.threshold_pct}% and more than both runs' rme: ${summarize(c.cases)}.`,
    );
    if (changed.length > 0) {
      out.push(
        "",
        mdTable(
          ["suite", "impl", "N", "scenario / batch", "baseline ns", "now ns", "change", "verdict"],
          changed.map((x) => [
            x.suite,
            x.impl,
            x.n,
            x.scenario ?? x.batch ?? "",
            fmtNs(x.baseline_ns),
            fmtNs(x.current_ns),
            `${x.change_pct > 0 ? "+" : ""}${x.change_pct.toFixed(1)}%`,
            x.verdict,
          ]),
        ),
      );
    }
  }
  return out.join("\n") + "\n";
}

export function buildReport(env: RunEnv, suites: Map<string, ResultsFile>, comparison?: Report["comparison"]): Report {
  const cases = [...suites.values()].flatMap((s) => s.cases);
  const runs = Object.fromEntries([...suites].map(([name, s]) => [name, s.env]));
  return { env, runs, cases, fits: fitCases(cases), ...(comparison && { comparison }) };
}

/** Every file of the set, path relative to the output folder → content. */
export async function reportFiles(
  r: Report,
  fresh: Map<string, { file: string; results: ResultsFile }>,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const { file, results } of fresh.values()) files.set(file, JSON.stringify(results, null, 2) + "\n");
  files.set("report.json", JSON.stringify(r, null, 2) + "\n");
  files.set("REPORT.md", reportMarkdown(r));
  for (const s of SECTIONS) {
    if (!has(r, s)) continue;
    for (const chart of s.charts(casesOf(r, s))) {
      files.set(path.join("charts", chart.file), await renderSvg(chart));
    }
  }
  return files;
}

/** The set's entries as checkEntries takes them (before measuring): suite files, report files, charts/. */
export const setEntries = (suiteFiles: readonly string[]) => [...suiteFiles, "report.json", "REPORT.md", "charts/"];

/** Writes the whole set or nothing; SIGINT, SIGTERM, SIGHUP wait for it, then exit 128+n. */
export function writeFiles(outDir: string, files: Map<string, string>): Promise<void> {
  return writeSet(outDir, files);
}
