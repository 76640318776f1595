// The kernel section of the report, from a small fixed kernel.json and sync.json in one folder: the
// report reads kernel.json although svcbench does not run it; the model-vs-kernel table sets each
// curve's slope beside the model's; a curve over the limit is fitted up to where it went over;
// findings state numbers; the charts are written.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { SUITE_FILES } from "../bench/suites";
import { buildReport, keptSuites, reportFiles } from "../src/report/report";
import { KernelCase, KernelScenario, SyncChangeCase, SyncScenario } from "../src/report/cases";
import { ProxyMode } from "../src/modes";
import { ResultsFile, runEnv, writeResults } from "../src/report/results";

const SIZES = [100, 1000, 10000];
const LIMIT = 30e9;
const times = (n: number, ns: number) => ({
  n,
  median_ns: ns,
  p99_ns: ns * 1.1,
  rme: 2,
  samples: 3,
  rules_written: n,
  bytes_written: 100 * n,
});
const c = (
  suite: "kernel",
  impl: KernelCase["impl"],
  scenario: KernelScenario,
  n: number,
  ns: number,
  extra: Partial<KernelCase> = {},
): KernelCase => ({
  suite,
  impl,
  scenario,
  endpoints: 2,
  mode: impl.includes("nft") ? "nftables" : "iptables",
  ...times(n, ns),
  ...extra,
});
const s = (impl: ProxyMode, scenario: SyncScenario, n: number, ns: number): SyncChangeCase => ({
  suite: "sync",
  impl,
  scenario,
  endpoints: 2,
  ...times(n, ns),
  changes: 1,
  endpoint_changes: 1,
  synced_services: 1,
  full_sync: false,
  initial_sync_ms: 0,
  initial_rules: 0,
  initial_bytes: 0,
});
const curve = (impl: KernelCase["impl"], scenario: KernelScenario, f: (n: number) => number, sizes = SIZES) =>
  sizes.map((n) => {
    const ns = f(n);
    return ns > LIMIT
      ? c("kernel", impl, scenario, n, LIMIT, {
          over_limit: true,
          limit_ns: LIMIT,
          samples: 0,
          ...(scenario === "first-load" && { untimed_load_ns: ns }),
        })
      : c("kernel", impl, scenario, n, ns, { limit_ns: LIMIT, text_bytes: 900 * n });
  });

const kernel: ResultsFile = {
  env: runEnv(1),
  cases: [
    ...curve("iptables-legacy-restore", "first-load", (n) => 20000 * n),
    ...curve("iptables-legacy-restore", "full-resync", (n) => 25000 * n),
    ...curve("iptables-legacy-restore", "partial-resync", (n) => 12000 * n),
    ...curve("iptables-legacy-restore", "add-service", (n) => 12000 * n),
    ...curve("iptables-nft-restore", "first-load", (n) => 400 * n * n),
    ...curve("iptables-nft-restore", "full-resync", (n) => 400 * n * n),
    ...curve("iptables-nft-restore", "partial-resync", (n) => 15000 * n),
    ...curve("iptables-nft-restore", "add-service", (n) => 15000 * n),
    ...curve("nft-f", "first-load", (n) => 2000 * n ** 1.5),
    ...curve("nft-f", "add-service", () => 10e6),
    ...curve("nft-f", "delete-service", () => 20e6),
    ...curve("model-iptables-full", "first-load", (n) => 40000 * n),
    ...curve("model-iptables-full", "full-resync", (n) => 20000 * n),
    ...curve("model-iptables-partial", "partial-resync", (n) => 2000 * n),
    ...curve("model-iptables-partial", "add-service", (n) => 2000 * n),
    ...curve("model-nftables", "first-load", (n) => 50000 * n),
    ...curve("model-nftables", "add-service", () => 45000),
    ...curve("bpf-sock-lb", "first-load", (n) => 3000 * n),
    ...curve("bpf-sock-lb", "add-service", () => 5e6).map((x) => ({ ...x, text_lines: 5 })),
    ...curve("bpf-sock-lb", "delete-service", () => 4e6).map((x) => ({ ...x, text_lines: 5 })),
    ...curve("model-ebpf", "first-load", (n) => 5000 * n),
    ...curve("model-ebpf", "add-service", () => 20000),
    ...SIZES.flatMap((n) => [
      c("kernel", "iptables-legacy-restore", "connect", n, 100000 + 30 * (n + 1), {
        rules_before: n + 1,
        samples: 200,
      }),
      c("kernel", "iptables-nft-restore", "connect", n, 100000 + 60 * (n + 1), { rules_before: n + 1, samples: 200 }),
      c("kernel", "nft-f", "connect", n, 100000, { samples: 200 }),
      c("kernel", "bpf-sock-lb", "connect", n, 90000, { samples: 200 }),
    ]),
  ],
};
const syncSizes = [100, 1000, 10000, 100000];
const sync: ResultsFile = {
  env: runEnv(1),
  cases: [
    ...syncSizes.map((n) => s("iptables-full", "add-pod", n, 30000 * n)),
    ...syncSizes.map((n) => s("iptables-partial", "add-pod", n, 3000 * n)),
    ...syncSizes.map((n) => s("iptables-partial", "create-service", n, 3000 * n)),
    ...syncSizes.map((n) => s("nftables", "create-service", n, 50000)),
  ],
};

test("kernel.json in the results folder is read into the report, though svcbench does not run it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  writeResults(path.join(dir, "kernel.json"), kernel);
  writeResults(path.join(dir, "sync.json"), sync);
  assert.deepEqual([...keptSuites(dir, [], SUITE_FILES).keys()].sort(), ["kernel", "sync"]);
  assert.deepEqual(
    [...keptSuites(dir, ["kernel"], SUITE_FILES).keys()],
    ["sync"],
    "a suite this run produced is not read back",
  );
});

test("the kernel section sets the kernel's slopes beside the model's, with findings and charts", async () => {
  const report = buildReport(
    kernel.env,
    new Map([
      ["kernel", kernel],
      ["sync", sync],
    ]),
  );
  const fit = report.fits.find((f) => f.impl === "iptables-nft-restore" && f.scenario === "first-load")!;
  assert.equal(fit.points, 2, "the case over the limit is not fitted");
  const files = await reportFiles(report, new Map([["kernel", { file: "kernel.json", results: kernel }]]));
  for (const chart of ["charts/kernel.svg", "charts/kernel-slopes.svg", "charts/kernel-connect.svg"])
    assert.ok(files.get(chart)?.startsWith("<svg"), chart);
  const md = files.get("REPORT.md")!;
  assert.match(
    md,
    /## Model vs kernel: real iptables-restore, nft and a BPF socket LB on the same clusters \(kernel\)/,
  );
  assert.match(
    md,
    /\| change \| kube-proxy mode \| model, this run \| model, sync\.json \(N 100–100k\) \| iptables-legacy-restore \| iptables-nft-restore \| nft-f \| bpf-sock-lb \|/,
  );
  assert.match(md, /\| a new Service \| ebpf \| 0\.00 \| - \|  \|  \|  \| 0\.00 \|/);
  assert.match(
    md,
    /nft's verdict map against the BPF hash map at 10,000 Services: per packet, a TCP connect through the BPF socket LB takes 90\.0 µs against 100 µs through nft's verdict map \(0\.90×\); from 100 to 10,000 Services the BPF connect moves 1\.00×, nft's 1\.00×\. Per change, one Service added is 5 map writes in one bpftool batch, 5\.00 ms against 10\.0 ms for nft -f \(0\.50×\), one deleted is 5 map writes in one bpftool batch, 4\.00 ms against 20\.0 ms for nft -f \(0\.20×\); the first load of all 10,000 Services' entries takes 30\.0 ms \(nft -f: 2\.00 s\)\./,
  );
  assert.match(md, /\| 10,000 \| .* \| 90\.0 µs \/ 99\.0 µs \| 10,001 \| 0\.90 \|/);
  assert.match(
    md,
    /\| full resync \(one more pod\) \| iptables-full \| 1\.00 \| 1\.00 \| 1\.00 \| 2\.00 \(N ≤ 1k\) \|  \|/,
  );
  assert.match(md, /\| a new Service \| nftables \| 0\.00 \| 0\.00 \|  \|  \| 0\.00 \|/);
  assert.match(md, /\| first-load \| 10,000 \| 200 ms \| > 30\.0 s \(untimed 40\.0 s\) \| 2\.00 s \|/);
  assert.match(
    md,
    /iptables-nft-restore first-load grows faster than N: 4\.00 ms at 100 Services, 400 ms at 1,000 \(100× for 10× the Services, local log-log slope 2\.00; 2\.00 fitted over all sizes\), over the 30\.0 s limit at 10,000; a load made untimed took 40\.0 s \(100× for 10× the Services\)\./,
  );
  assert.match(
    md,
    /nft-f first-load grows faster than N: 63\.2 ms at 1,000 Services, 2\.00 s at 10,000 \(32× for 10× the Services, local log-log slope 1\.50; 1\.50 fitted over all sizes\)\./,
  );
  assert.match(
    md,
    /Loading the first ruleset of 10,000 Services × 2 pods \(9\.0 MB of iptables-restore text and 9\.0 MB of nft commands\) into a fresh namespace takes 200 ms with iptables-legacy-restore, > 30\.0 s \(untimed 40\.0 s\) with iptables-nft-restore, 2\.00 s with nft -f and 30\.0 ms with bpftool batch/,
  );
  assert.match(
    md,
    /400 µs vs 103 µs through iptables-legacy-restore rules, ≈ 30 ns per rule walked, 700 µs vs 106 µs through iptables-nft-restore rules, ≈ 60 ns per rule walked, 100 µs vs 100 µs through the nftables verdict map and 90\.0 µs vs 90\.0 µs through the BPF socket LB's hash map/,
  );
  assert.match(
    md,
    /\| first load \| iptables \| 1\.00 \| .*\| 1\.00 \| 2\.00 \(N ≤ 1k\) \|/,
    "the slopes, in the table",
  );
  assert.match(
    md,
    /Growth with N, model vs kernel \(log-log slopes, in the kernel section's table\): the same within 0\.3 for \d+ of \d+ pairs of change and tool; /,
  );
  assert.match(
    md,
    /the kernel grows faster for first load \(iptables, iptables-nft\), full resync \(iptables-full, iptables-nft\) and first load \(nftables, nft -f\)/,
  );
});
