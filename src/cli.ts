// The svcbench command: runs the chosen suites, prints tables, writes results/ atomically.
import path from "node:path";
import { DEFAULT_BUDGET, Progress } from "../bench/harness";
import { LOOKUP_FULL_SIZES, LOOKUP_RESULTS, LOOKUP_SIZES, lookupCaseCount, lookupTable, runLookup } from "../bench/lookup";
import { choiceFlag, intFlag, numberFlag, parseFlags, runMain, sizesFlag, UsageError } from "./cli/flags";
import { runEnv, writeResults } from "./report/results";
import { MAX_SERVICES } from "./workload/cluster";
import { DEFAULT_TRAFFIC } from "./workload/traffic";

const SUITES = ["lookup"] as const;

const HELP = `svcbench — what a Kubernetes Service costs on a node, per packet and per change

Usage: svcbench [flags]        (npm run bench -- [flags])

  --suite LIST     suites to run, comma-separated: ${SUITES.join(", ")} (default: all)
  --sizes LIST     numbers of Services, e.g. 100,10k,1M (default: ${LOOKUP_SIZES.join(",")})
  --full           also 1,000,000 Services (ignored with --sizes)
  --seed N         seed of the workload; the same seed gives the same Services and traffic (default: 1)
  --time MS        sampling time per case in ms (default: ${DEFAULT_BUDGET.time})
  --traffic DIST   uniform or zipf over Services (default: ${DEFAULT_TRAFFIC.distribution})
  --zipf S         Zipf exponent (default: ${DEFAULT_TRAFFIC.zipfS})
  --miss RATIO     share of packets that match no Service, 0..1 (default: ${DEFAULT_TRAFFIC.missRatio})
  --out DIR        where results go (default: results)
  --json           print the results as JSON on stdout instead of tables; no progress
  -h, --help       this text
`;

runMain(() => {
  const f = parseFlags(process.argv.slice(2), {
    suite: { type: "string" }, sizes: { type: "string" }, full: { type: "boolean" },
    seed: { type: "string" }, time: { type: "string" }, traffic: { type: "string" },
    zipf: { type: "string" }, miss: { type: "string" }, out: { type: "string" },
    json: { type: "boolean" }, help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    process.stdout.write(HELP);
    return;
  }
  const suites = typeof f.suite === "string" ? f.suite.split(",").map((s) => s.trim()) : [...SUITES];
  for (const s of suites) {
    if (!(SUITES as readonly string[]).includes(s)) throw new UsageError(`--suite must name suites among ${SUITES.join(", ")}, got "${s}"`);
  }
  const seed = intFlag("seed", f.seed as string | undefined, 1, 0, 0xffffffff);
  const opts = {
    sizes: sizesFlag("sizes", f.sizes as string | undefined, f.full ? LOOKUP_FULL_SIZES : LOOKUP_SIZES, MAX_SERVICES),
    seed,
    budget: { ...DEFAULT_BUDGET, time: numberFlag("time", f.time as string | undefined, DEFAULT_BUDGET.time, 1, 600000) },
    traffic: {
      distribution: choiceFlag("traffic", f.traffic as string | undefined, DEFAULT_TRAFFIC.distribution, ["uniform", "zipf"] as const),
      zipfS: numberFlag("zipf", f.zipf as string | undefined, DEFAULT_TRAFFIC.zipfS ?? 1, 0, 10),
      missRatio: numberFlag("miss", f.miss as string | undefined, DEFAULT_TRAFFIC.missRatio, 0, 1),
    },
  };
  const outDir = path.resolve(typeof f.out === "string" ? f.out : "results");
  const json = f.json === true;
  const progress = new Progress(lookupCaseCount(opts), !json && process.stderr.isTTY === true);
  const cases = runLookup(opts, progress);
  progress.done();
  const results = { env: runEnv(seed, { sizes: opts.sizes, traffic: opts.traffic, time_ms: opts.budget.time }), cases };
  writeResults(LOOKUP_RESULTS(outDir), results);
  if (json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  else process.stdout.write(`${lookupTable(cases)}\n\nwrote ${path.relative(process.cwd(), LOOKUP_RESULTS(outDir))}\n`);
});
