// Refusals come before the work: --baseline is read and checked whole against what the run will
// measure (seed, suites, sizes, every median finite and positive) and --out is checked and created
// first; each is one line and exit 2, long before a single case would have run.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { DEFAULT_BUDGET } from "../bench/harness";
import { SuiteOptions } from "../bench/suite";
import { SUITES } from "../bench/suites";
import { UsageError } from "../src/cli/flags";
import { readBaseline, RunPlan } from "../src/report/compare";
import { CaseResult, runEnv } from "../src/report/results";
import { nodeArgs } from "../src/util/root";
import { DEFAULT_TRAFFIC } from "../src/workload/traffic";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-refuse-"));
const opts = (o: Partial<SuiteOptions> = {}): SuiteOptions => ({
  full: false,
  seed: 1,
  budget: DEFAULT_BUDGET,
  traffic: DEFAULT_TRAFFIC,
  ...o,
});
const plan = (o: SuiteOptions, names = SUITES.map((s) => s.name)): RunPlan => ({
  seed: o.seed,
  suites: SUITES.filter((s) => names.includes(s.name)).map((s) => ({ name: s.name, sizes: s.sizes!(o) })),
});
const TIMES = { p99_ns: 20, rme: 1, samples: 3 };
/** A lookup case, or a sync one (the userspace dials). */
const kase = (suite: "lookup" | "sync", n: number, median_ns = 10): CaseResult =>
  suite === "lookup"
    ? { suite, impl: "vmap", n, batch: 1024, median_ns, ...TIMES }
    : {
        suite,
        impl: "userspace",
        n,
        scenario: "dial-retries",
        endpoints: 5,
        median_ns,
        ...TIMES,
        refusing: 2,
        mean_attempts: 1,
        mean_connect_ms: 1,
        p99_connect_ms: 1,
        failed_share: 0,
      };

function baselineFile(seed: number, cases: CaseResult[], raw?: (json: string) => string): string {
  const f = path.join(tmp(), "report.json");
  const json = JSON.stringify({ env: runEnv(seed), cases });
  fs.writeFileSync(f, raw ? raw(json) : json);
  return f;
}

test("each suite states before running the sizes its cases will have", () => {
  const o = opts({ sizes: [10, 100] });
  assert.deepEqual(SUITES.find((s) => s.name === "lookup")!.sizes!(o), [10, 100]);
  assert.deepEqual(SUITES.find((s) => s.name === "sync")!.sizes!(o), [10, 100]);
  assert.ok(SUITES.find((s) => s.name === "sched")!.sizes!(o).includes(100));
  assert.deepEqual(SUITES.find((s) => s.name === "lookup")!.sizes!(opts({ sizes: [10], filter: /^nothing$/ })), []);
});

test("a baseline of another seed, other sizes, a missing suite, or a median that is not finite and positive is refused by name", () => {
  const o = opts({ sizes: [10, 100] }),
    p = plan(o, ["lookup"]);
  const good = [kase("lookup", 10), kase("lookup", 100)];
  assert.equal(readBaseline(baselineFile(1, good), p).cases.length, 2);
  const refusals: [string, RegExp][] = [
    [baselineFile(2, good), /was run with seed 2, this run with 1: not comparable/],
    [baselineFile(1, [kase("lookup", 10)]), /ran lookup at sizes 10, this run at 10,100: not comparable/],
    [baselineFile(1, [kase("sync", 10)]), /has no lookup cases to compare with/],
    [
      baselineFile(1, [...good, kase("lookup", 10, -5)]),
      /case 2 \(lookup\/vmap N=10\) has median_ns -5; every median must be a finite positive number/,
    ],
    [baselineFile(1, [...good, kase("lookup", 10, 0)]), /has median_ns 0;/],
    [baselineFile(1, [...good, kase("lookup", 10, 123)], (j) => j.replace("123", "1e999")), /has median_ns Infinity;/],
    [baselineFile(1, good, () => "{ broken"), /is not valid JSON/],
    [path.join(tmp(), "absent.json"), /cannot be read: ENOENT/],
    [
      baselineFile(1, good, (j) => j.replace('"batch":1024', '"batch":"1024"')),
      /report\.json: case 0 \(lookup\/vmap N=10\): "batch" is a string, not a number$/,
    ],
    [
      baselineFile(1, good, (j) => j.replace('"impl":"vmap"', '"impl":"vmapp"')),
      /case 0 \(lookup\/vmapp N=10\): impl "vmapp" is not one the lookup suite writes$/,
    ],
  ];
  for (const [file, says] of refusals) {
    const t0 = Date.now();
    assert.throws(
      () => readBaseline(file, p),
      (e: unknown) => e instanceof UsageError && says.test(e.message) && !e.message.includes("\n"),
      file,
    );
    assert.ok(Date.now() - t0 < 1000);
  }
});

/** The svcbench command: its exit code and what it said on stderr. */
function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...nodeArgs("bench/cli"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((r) => child.on("close", (code) => r({ code, stderr })));
}

// Each case would sample for 10 minutes: a refusal that came after measuring would hit the test's timeout.
test("the command refuses a bad --out or --baseline with one line and exit 2 before measuring anything", {
  timeout: 90000,
}, async () => {
  const dir = tmp(),
    file = path.join(dir, "file");
  fs.writeFileSync(file, "");
  const other = baselineFile(7, [kase("lookup", 10)]);
  const runs: [string[], RegExp][] = [
    [["--out", ""], /^svcbench: --out must name a folder, got ""\n$/],
    [["--out", "/proc/x"], /^svcbench: --out \/proc\/x: cannot create \/proc\/x: ENOENT\n$/],
    [["--out", path.join(file, "sub")], /is not a folder\n$/],
    [["--out", dir, "--baseline", other], /was run with seed 7, this run with 1: not comparable\n$/],
  ];
  const results = await Promise.all(
    runs.map(([args]) => cli(["--suite", "lookup", "--sizes", "10", "--time", "600000", ...args])),
  );
  results.forEach((r, i) => {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, runs[i][1]);
  });
  assert.deepEqual(fs.readdirSync(dir).sort(), ["file"], "nothing written");
});
