// npm run bench:kernel: times real iptables-restore (legacy and nft backends) and nft on the rulesets
// svcbench's proxiers render, in private network namespaces, beside the model's own syncs; writes
// kernel.json and rebuilds the report from every suite file in the output folder.
import os from "node:os";
import path from "node:path";
import { intFlag, Io, numberFlag, parseFlags, processIo, runMain, sizesFlag } from "../../src/cli/flags";
import { buildReport, keptSuites, reportFiles, setEntries, writeFiles } from "../../src/report/report";
import { checkEntries, cleanLeftovers, prepareOut } from "../../src/report/results-set";
import { ResultsFile, runEnv } from "../../src/report/results";
import { CALIBRATION_FILE, measuredName } from "../../src/calibrate/naming";
import { buildProfile } from "../../src/calibrate/profile";
import { Progress } from "../harness";
import { SUITE_FILES } from "../suites";
import { deleteAll } from "./netns";
import { cleanDeadRuns } from "./resources";
import {
  DEFAULT_CONNECTS,
  DEFAULT_SAMPLING,
  KERNEL_ENDPOINTS,
  KERNEL_FULL_SIZES,
  KERNEL_SIZES,
  kernelStepCount,
  runKernel,
  SETUP_LIMIT_FACTOR,
} from "./run";
import { kernelTable } from "./table";
import { preflight, toolVersions } from "./tools";

const HELP = `svcbench kernel calibration: real iptables-restore and nft on the rulesets svcbench renders

Usage: npm run bench:kernel -- [flags]
  (needs root and: apt-get install iptables nftables clang gcc bpftool libbpf-dev)

For each N Services × ${KERNEL_ENDPOINTS} pods, in private network namespaces it creates and always deletes:
iptables-legacy-restore and iptables-nft-restore (first load, partial resync, a new Service, full
resync), nft -f (first load, a new Service, a Service deleted), a cgroup/connect4 socket-LB BPF program
after Cilium's (its map entries loaded with bpftool batch: first load, a new Service, a Service deleted),
TCP connects to the Service whose rule is last in KUBE-SERVICES, and the model's syncs of the same
changes. The host's rules are never touched; the BPF program, its pins and its cgroup are removed.

Flags:
  --sizes LIST      numbers of Services (default: ${KERNEL_SIZES.join(",")}; --full adds ${KERNEL_FULL_SIZES[KERNEL_FULL_SIZES.length - 1]})
  --full            the larger sweep
  --samples N       samples per case, at most (default: ${DEFAULT_SAMPLING.samples})
  --time MS         a case takes no further sample once it has spent this long (default: ${DEFAULT_SAMPLING.timeMs})
  --timeout S       a step running longer is killed and its case reported over the limit; larger N of
                    that curve are not tried (default: ${DEFAULT_SAMPLING.limitMs / 1000}); the untimed load the later cases of a
                    size need after a first load over the limit may take ${SETUP_LIMIT_FACTOR}× as long
  --connects N      TCP connects per ruleset for the first-packet probe (default: ${DEFAULT_CONNECTS})
  --seed N          workload seed (default: 1)
  --skip-model      do not time the model's syncs beside the kernel
  --out DIR         where kernel.json, calibration.json and the report go (default: results)
  -h, --help        this text
`;

type Flags = Record<string, string | boolean | undefined>;
const str = (f: Flags, k: string) => (typeof f[k] === "string" ? (f[k] as string) : undefined);

/** npm run bench:kernel on argv (without node and the script), writing to io. */
export async function main(argv: string[], io: Io = processIo()): Promise<void> {
  const f = parseFlags(argv, {
    sizes: { type: "string" },
    full: { type: "boolean" },
    samples: { type: "string" },
    time: { type: "string" },
    timeout: { type: "string" },
    connects: { type: "string" },
    seed: { type: "string" },
    "skip-model": { type: "boolean" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    io.stdout.write(HELP);
    return;
  }
  const sizes = sizesFlag("sizes", str(f, "sizes"), f.full === true ? KERNEL_FULL_SIZES : KERNEL_SIZES, 100000);
  const sampling = {
    samples: intFlag("samples", str(f, "samples"), DEFAULT_SAMPLING.samples, 1, 1000),
    timeMs: numberFlag("time", str(f, "time"), DEFAULT_SAMPLING.timeMs, 0, 3600000),
    limitMs: numberFlag("timeout", str(f, "timeout"), DEFAULT_SAMPLING.limitMs / 1000, 0.1, 3600) * 1000,
  };
  const connects = intFlag("connects", str(f, "connects"), DEFAULT_CONNECTS, 1, 5000);
  const seed = intFlag("seed", str(f, "seed"), 1, 0, 0xffffffff);
  const outDir = prepareOut(str(f, "out") ?? "results");
  for (const line of cleanLeftovers(outDir)) io.stderr.write(`svcbench: ${line}\n`);
  checkEntries(outDir, setEntries([SUITE_FILES.kernel, CALIBRATION_FILE]));
  preflight();
  const cleaned = cleanDeadRuns();
  if (cleaned.length > 0) io.stderr.write(`svcbench: ${cleaned.join("; ")}\n`);

  const opts = { sizes, seed, sampling, connects, model: f["skip-model"] !== true };
  const tty = io.stderr.isTTY === true;
  const progress = new Progress(kernelStepCount(opts), tty);
  const loadavg_start = os.loadavg();
  let run: Awaited<ReturnType<typeof runKernel>>;
  try {
    run = await runKernel({ ...opts, log: tty ? undefined : (l) => io.stderr.write(`kernel: ${l}\n`) }, progress);
  } finally {
    progress.done();
    deleteAll();
  }
  const env = runEnv(seed, {
    kernel: os.release(),
    tools: toolVersions(),
    sizes,
    endpoints: KERNEL_ENDPOINTS,
    samples: sampling.samples,
    time_ms: sampling.timeMs,
    timeout_s: sampling.limitMs / 1000,
    connects,
    exec_overhead_ns: run.exec_overhead_ns,
    loadavg_start,
    loadavg_end: os.loadavg(),
  });
  const results: ResultsFile = { env, cases: run.cases };
  const all = new Map([...keptSuites(outDir, ["kernel"], SUITE_FILES), ["kernel", results] as const]);
  const files = await reportFiles(buildReport(env, all), new Map([["kernel", { file: SUITE_FILES.kernel, results }]]));
  files.set(CALIBRATION_FILE, JSON.stringify(buildProfile(results, measuredName(env)), null, 2) + "\n");
  await writeFiles(outDir, files);
  io.stdout.write(
    `${kernelTable(run.cases)}\n\nwrote ${path.relative(process.cwd(), outDir) || "."}/: kernel.json, ${CALIBRATION_FILE}, report.json, REPORT.md, charts/\n`,
  );
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
