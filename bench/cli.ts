// The svcbench command: runs the chosen suites, prints their tables, and writes the results set
// (per-suite JSON, report.json, REPORT.md, charts/) only once everything has been measured.
import path from "node:path";
import { predictMain } from "../src/cli/predict";
import {
  choiceFlag,
  intFlag,
  Io,
  numberFlag,
  parseFlags,
  processIo,
  runMain,
  sizesFlag,
  UsageError,
} from "../src/cli/flags";
import { checkComparable, compare, readBaseline, summarize } from "../src/report/compare";
import { buildReport, keptSuites, reportFiles, setEntries, writeFiles } from "../src/report/report";
import { checkEntries, cleanLeftovers, prepareOut } from "../src/report/results-set";
import { ResultsFile, runEnv } from "../src/report/results";
import { formatTable, fmtNs } from "../src/report/table";
import { MAX_SERVICES } from "../src/workload/cluster";
import { DEFAULT_TRAFFIC } from "../src/workload/traffic";
import { DEFAULT_BUDGET, Progress } from "./harness";
import { SuiteOptions } from "./suite";
import { SUITE_FILES, SUITES } from "./suites";

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
after every case has run, as one set: all of it is replaced or none. Ctrl-C, SIGTERM or SIGHUP
while measuring changes nothing; during the write, the set is finished first (then exit 128+n).
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
      distribution: choiceFlag("traffic", str(f, "traffic"), DEFAULT_TRAFFIC.distribution, [
        "uniform",
        "zipf",
      ] as const),
      zipfS: numberFlag("zipf", str(f, "zipf"), DEFAULT_TRAFFIC.zipfS ?? 1, 0, 10),
      missRatio: numberFlag("miss", str(f, "miss"), DEFAULT_TRAFFIC.missRatio, 0, 1),
    },
    filter,
  };
}

function chosenSuites(f: Flags) {
  const names =
    str(f, "suite")
      ?.split(",")
      .map((s) => s.trim()) ?? SUITES.map((s) => s.name);
  return names.map((n) => {
    const s = SUITES.find((x) => x.name === n);
    if (!s) throw new UsageError(`--suite must name suites among ${SUITES.map((x) => x.name).join(", ")}, got "${n}"`);
    return s;
  });
}

/** The svcbench command on argv (without node and the script), writing to io. */
export async function main(argv: string[], io: Io = processIo()): Promise<void> {
  if (argv[0] === "predict") return predictMain(argv.slice(1), io);
  const f = parseFlags(argv, {
    suite: { type: "string" },
    sizes: { type: "string" },
    full: { type: "boolean" },
    seed: { type: "string" },
    time: { type: "string" },
    traffic: { type: "string" },
    zipf: { type: "string" },
    miss: { type: "string" },
    filter: { type: "string" },
    out: { type: "string" },
    baseline: { type: "string" },
    threshold: { type: "string" },
    json: { type: "boolean" },
    "report-only": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    io.stdout.write(HELP);
    return;
  }
  const reportOnly = f["report-only"] === true;
  const suites = reportOnly ? [] : chosenSuites(f);
  const opts = suiteOptions(f);
  const threshold = numberFlag("threshold", str(f, "threshold"), 2, 0, 1000);
  // The output folder and the baseline are checked before measuring anything: a bad one fails fast and changes nothing.
  const outDir = prepareOut(str(f, "out") ?? "results");
  for (const line of cleanLeftovers(outDir)) io.stderr.write(`svcbench: ${line}\n`);
  checkEntries(outDir, setEntries(suites.map((s) => s.file)));
  const baselineFile = str(f, "baseline");
  const baseline =
    baselineFile === undefined
      ? undefined
      : readBaseline(baselineFile, {
          seed: opts.seed,
          suites: suites.map((s) => ({ name: s.name, sizes: s.sizes?.(opts) ?? [] })),
        });
  const json = f.json === true;

  const total = suites.reduce((s, x) => s + x.caseCount(opts), 0);
  if (total === 0 && !reportOnly) throw new UsageError(`--filter "${str(f, "filter")}" matches no case`);
  const progress = new Progress(total, !json && io.stdout.isTTY === true && io.stderr.isTTY === true);
  const env = runEnv(opts.seed, {
    traffic: opts.traffic,
    time_ms: opts.budget.time,
    full: opts.full,
    ...(opts.filter && { filter: opts.filter.source }),
  });
  const fresh = new Map<string, { file: string; results: ResultsFile; notes: string[] }>();
  for (const s of suites) {
    const { cases, notes } = s.run(opts, progress);
    fresh.set(s.name, { file: s.file, results: { env, cases }, notes });
  }
  progress.done();

  const current: ResultsFile = { env, cases: [...fresh.values()].flatMap((x) => x.results.cases) };
  let comparison: Parameters<typeof buildReport>[2];
  if (baseline && baselineFile) {
    checkComparable(baseline, current, baselineFile);
    comparison = { baseline: baselineFile, threshold_pct: threshold, cases: compare(baseline, current, threshold) };
  }
  const all = new Map([
    ...keptSuites(
      outDir,
      suites.map((s) => s.name),
      SUITE_FILES,
    ),
    ...[...fresh].map(([k, v]) => [k, v.results] as const),
  ]);
  if (all.size === 0) throw new UsageError(`there are no suite results in ${outDir} to report on`);
  // A rebuilt report speaks for the newest run it holds.
  const newest = [...all.values()].map((r) => r.env).sort((a, b) => b.date.localeCompare(a.date))[0];
  const report = buildReport(reportOnly ? newest : env, all, comparison);
  await writeFiles(outDir, await reportFiles(report, fresh));

  if (json) {
    io.stdout.write(JSON.stringify(report, null, 2) + "\n");
    return;
  }
  for (const s of suites) {
    const { results, notes } = fresh.get(s.name)!;
    io.stdout.write(`${s.table(results.cases)}${notes.map((n) => `\n${n}`).join("")}\n\n`);
  }
  if (comparison) {
    io.stdout.write(
      `against ${baselineFile} (noise threshold ${threshold}%):\n` +
        formatTable(
          ["suite", "impl", "N", "case", "baseline", "now", "change", "verdict"],
          comparison.cases.map((c) => [
            c.suite,
            c.impl,
            c.n,
            c.scenario ?? c.batch ?? "",
            fmtNs(c.baseline_ns),
            fmtNs(c.current_ns),
            `${c.change_pct > 0 ? "+" : ""}${c.change_pct.toFixed(1)}%`,
            c.verdict,
          ]),
        ) +
        `\n${summarize(comparison.cases)}\n\n`,
    );
  }
  io.stdout.write(
    `wrote ${path.relative(process.cwd(), outDir) || "."}/: ${[...[...fresh.values()].map((x) => x.file), "report.json", "REPORT.md", "charts/"].join(", ")}\n`,
  );
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
