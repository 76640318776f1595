// The svcbench command: runs the chosen suites, prints their tables, and writes the results set
// (per-suite JSON, report.json, REPORT.md, charts/) only once everything has been measured.
import path from "node:path";
import { DEFAULT_BUDGET, Progress } from "../bench/harness";
import { SuiteOptions } from "../bench/suite";
import { SUITE_FILES, SUITES } from "../bench/suites";
import { predictMain } from "./cli/predict";
import { choiceFlag, intFlag, numberFlag, parseFlags, runMain, sizesFlag, UsageError } from "./cli/flags";
import { checkComparable, compare, readResultsFile, summarize } from "./report/compare";
import { buildReport, keptSuites, reportFiles, writeFiles } from "./report/report";
import { ResultsFile, runEnv } from "./report/results";
import { formatTable, fmtNs } from "./report/table";
import { MAX_SERVICES } from "./workload/cluster";
import { DEFAULT_TRAFFIC } from "./workload/traffic";

const HELP = `svcbench — what a Kubernetes Service costs on a node, per packet and per change

Usage: svcbench [flags]        (or: npm run bench -- [flags])
       svcbench predict [flags]  one node's cost per mode for your cluster (svcbench predict --help)

Suites:
${SUITES.map((s) => `  ${s.name.padEnd(8)} ${s.about}`).join("\n")}

Flags:
  --suite LIST      suites to run, comma-separated (default: all)
  --sizes LIST      numbers of Services to sweep, e.g. 100,10k,1M (default: each suite's own)
  --full            the larger sweep (1,000,000 Services); slower
  --seed N          workload seed; the same seed gives the same Services and traffic (default: 1)
  --time MS         sampling time per case in ms (default: ${DEFAULT_BUDGET.time})
  --traffic DIST    uniform or zipf over Services (default: ${DEFAULT_TRAFFIC.distribution})
  --zipf S          Zipf exponent (default: ${DEFAULT_TRAFFIC.zipfS})
  --miss RATIO      share of packets that match no Service, 0..1 (default: ${DEFAULT_TRAFFIC.missRatio})
  --filter RE       run only cases whose "suite/impl" matches the regular expression
  --out DIR         where the results set goes (default: results)
  --baseline FILE   compare with an earlier report.json (or suite file) of the same seed and sizes
  --threshold PCT   noise threshold for --baseline, percent (default: 2)
  --report-only     measure nothing: rebuild report.json, REPORT.md and charts/ from the
                    suite files already in DIR (kernel.json of npm run bench:kernel too)
  --json            print report.json on stdout instead of tables; no progress
  -h, --help        this text

Results: DIR/<suite>.json, DIR/report.json, DIR/REPORT.md and DIR/charts/*.svg, written only
after every case has run, each file replaced atomically; an interrupted run changes nothing.
`;

type Flags = Record<string, string | boolean | undefined>;
const str = (f: Flags, k: string) => (typeof f[k] === "string" ? (f[k] as string) : undefined);

function suiteOptions(f: Flags): SuiteOptions {
  let filter: RegExp | undefined;
  const re = str(f, "filter");
  if (re !== undefined) {
    try {
      filter = new RegExp(re);
    } catch (err) {
      throw new UsageError(`--filter is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  return {
    sizes: str(f, "sizes") === undefined ? undefined : sizesFlag("sizes", str(f, "sizes"), [], MAX_SERVICES),
    full: f.full === true,
    seed: intFlag("seed", str(f, "seed"), 1, 0, 0xffffffff),
    budget: { ...DEFAULT_BUDGET, time: numberFlag("time", str(f, "time"), DEFAULT_BUDGET.time, 1, 600000) },
    traffic: {
      distribution: choiceFlag("traffic", str(f, "traffic"), DEFAULT_TRAFFIC.distribution, ["uniform", "zipf"] as const),
      zipfS: numberFlag("zipf", str(f, "zipf"), DEFAULT_TRAFFIC.zipfS ?? 1, 0, 10),
      missRatio: numberFlag("miss", str(f, "miss"), DEFAULT_TRAFFIC.missRatio, 0, 1),
    },
    filter,
  };
}

function chosenSuites(f: Flags) {
  const names = str(f, "suite")?.split(",").map((s) => s.trim()) ?? SUITES.map((s) => s.name);
  return names.map((n) => {
    const s = SUITES.find((x) => x.name === n);
    if (!s) throw new UsageError(`--suite must name suites among ${SUITES.map((x) => x.name).join(", ")}, got "${n}"`);
    return s;
  });
}

runMain(async () => {
  if (process.argv[2] === "predict") return predictMain(process.argv.slice(3));
  const f = parseFlags(process.argv.slice(2), {
    suite: { type: "string" }, sizes: { type: "string" }, full: { type: "boolean" },
    seed: { type: "string" }, time: { type: "string" }, traffic: { type: "string" },
    zipf: { type: "string" }, miss: { type: "string" }, filter: { type: "string" },
    out: { type: "string" }, baseline: { type: "string" }, threshold: { type: "string" },
    json: { type: "boolean" }, "report-only": { type: "boolean" }, help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    process.stdout.write(HELP);
    return;
  }
  const reportOnly = f["report-only"] === true;
  const suites = reportOnly ? [] : chosenSuites(f);
  const opts = suiteOptions(f);
  const threshold = numberFlag("threshold", str(f, "threshold"), 2, 0, 1000);
  const outDir = path.resolve(str(f, "out") ?? "results");
  const baselineFile = str(f, "baseline");
  // Read the baseline before measuring anything: a bad one fails fast and changes nothing.
  const baseline = baselineFile === undefined ? undefined : readResultsFile(baselineFile);
  const json = f.json === true;

  const total = suites.reduce((s, x) => s + x.caseCount(opts), 0);
  if (total === 0 && !reportOnly) throw new UsageError(`--filter "${str(f, "filter")}" matches no case`);
  const progress = new Progress(total, !json && process.stdout.isTTY === true && process.stderr.isTTY === true);
  const env = runEnv(opts.seed, { traffic: opts.traffic, time_ms: opts.budget.time, full: opts.full, ...(opts.filter && { filter: opts.filter.source }) });
  const fresh = new Map<string, { file: string; results: ResultsFile }>();
  for (const s of suites) fresh.set(s.name, { file: s.file, results: { env, cases: s.run(opts, progress) } });
  progress.done();

  const current: ResultsFile = { env, cases: [...fresh.values()].flatMap((x) => x.results.cases) };
  let comparison;
  if (baseline && baselineFile) {
    checkComparable(baseline, current, baselineFile);
    comparison = { baseline: baselineFile, threshold_pct: threshold, cases: compare(baseline, current, threshold) };
  }
  const all = new Map([...keptSuites(outDir, suites.map((s) => s.name), SUITE_FILES),
    ...[...fresh].map(([k, v]) => [k, v.results] as const)]);
  if (all.size === 0) throw new UsageError(`there are no suite results in ${outDir} to report on`);
  // A rebuilt report speaks for the newest run it holds.
  const newest = [...all.values()].map((r) => r.env).sort((a, b) => b.date.localeCompare(a.date))[0];
  const report = buildReport(reportOnly ? newest : env, all, comparison);
  writeFiles(outDir, await reportFiles(report, fresh));

  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    return;
  }
  for (const s of suites) process.stdout.write(`${s.table(fresh.get(s.name)!.results.cases)}\n\n`);
  if (comparison) {
    process.stdout.write(`against ${baselineFile} (noise threshold ${threshold}%):\n` + formatTable(
      ["suite", "impl", "N", "case", "baseline", "now", "change", "verdict"],
      comparison.cases.map((c) => [c.suite, c.impl, c.n, c.scenario ?? c.batch ?? "", fmtNs(c.baseline_ns), fmtNs(c.current_ns),
        `${c.change_pct > 0 ? "+" : ""}${c.change_pct.toFixed(1)}%`, c.verdict]),
    ) + `\n${summarize(comparison.cases)}\n\n`);
  }
  process.stdout.write(`wrote ${path.relative(process.cwd(), outDir) || "."}/: ${[...[...fresh.values()].map((x) => x.file), "report.json", "REPORT.md", "charts/"].join(", ")}\n`);
});
