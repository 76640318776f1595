// The svcbench command: clear one-line errors (exit 2) on bad flags, results written whole.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { main } from "../bench/cli";
import { CORE_IMPLS } from "../src/cores";
import { casesOf } from "../src/report/cases";
import { ResultsFile } from "../src/report/results";
import { nodeArgs, PACKAGE_ROOT } from "../src/util/root";
import { runCommand } from "./run-command";

const BIN = path.join(PACKAGE_ROOT, "bin", "svcbench");
const run = (args: string[]) => runCommand(main, args);

test("bin/svcbench runs the command: a bad flag is one line and exit 2", () => {
  const r = spawnSync(process.execPath, [BIN, "--bogus"], { encoding: "utf8" });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, "svcbench: Unknown option '--bogus'\n");
});

test("bad flags get one line naming the flag and exit 2, and leave earlier results alone", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  const earlier = path.join(out, "lookup.json");
  fs.writeFileSync(earlier, "earlier results");
  for (const [args, says] of [
    [["--bogus"], /Unknown option '--bogus'/],
    [["--sizes", "10,x"], /--sizes takes whole numbers/],
    [["--sizes", "2000000"], /--sizes takes whole numbers from 1 to 1048573/],
    [["--seed=-3"], /--seed must be a whole number/],
    [["--seed", "-3"], /--seed needs a value; write --seed=VALUE/],
    [["--miss", "1.5"], /--miss must be a number from 0 to 1/],
    [["--traffic", "pareto"], /--traffic must be one of uniform, zipf/],
    [["--suite", "nope"], /--suite must name suites/],
    [["--time"], /--time/],
  ] as const) {
    const r = await run([...args, "--out", out]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, says);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  }
  assert.equal(fs.readFileSync(earlier, "utf8"), "earlier results");
});

test("--help documents every flag", async () => {
  const r = await run(["--help"]);
  assert.equal(r.status, 0);
  for (const flag of ["--suite", "--sizes", "--full", "--seed", "--time", "--out", "--json", "--miss", "--traffic"]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

test("a small lookup run writes every case in the shared shape", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  const r = await run(["--suite", "lookup", "--sizes", "10,100", "--time", "1", "--seed", "5", "--out", out, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const file = JSON.parse(fs.readFileSync(path.join(out, "lookup.json"), "utf8")) as ResultsFile;
  assert.deepEqual(JSON.parse(r.stdout).cases, file.cases, "--json prints the report with the same cases");
  const lookup = casesOf(file.cases, "lookup");
  assert.notEqual(file.env.versions.tinybench, "unknown");
  assert.equal(file.env.seed, 5);
  for (const key of ["node", "cpu", "cores", "commit", "date"]) assert.ok(key in file.env, key);
  for (const n of [10, 100]) {
    for (const impl of [...CORE_IMPLS, "roofline"]) {
      const c = lookup.find((x) => x.impl === impl && x.n === n && x.scenario === undefined);
      assert.ok(c, `${impl} N=${n}`);
      assert.equal(c.batch, 1024);
      assert.ok(c.median_ns > 0 && c.p99_ns >= c.median_ns && c.samples > 0, JSON.stringify(c));
    }
  }
  for (const impl of ["vmap", "vmap-plain"]) {
    assert.deepEqual(
      lookup.filter((c) => c.scenario === "batch-sweep" && c.impl === impl).map((c) => c.batch),
      [1, 16, 256, 1024, 4096],
      impl,
    );
  }
  for (const impl of [
    "vmap-plain",
    "svctable-resizable-plain",
    "dram1-vmap",
    "dramG-vmap",
    "dram1-svctable-resizable",
    "dramG-svctable-resizable",
  ]) {
    assert.ok(
      file.cases.some((c) => c.impl === impl && c.n === 100 && c.scenario === undefined),
      impl,
    );
  }
  assert.ok(
    file.cases.some((c) => c.impl === "vmap" && c.scenario === "zipf-1.1"),
    "Zipf s=1.1 beside uniform",
  );
  const vmap = lookup.find((c) => c.impl === "vmap" && c.n === 100 && c.scenario === undefined)!;
  assert.ok(typeof vmap.wasm_bytes === "number" && vmap.wasm_bytes > 0 && vmap.probe === "plain", JSON.stringify(vmap));
  assert.deepEqual(
    fs.readdirSync(out).sort(),
    ["REPORT.md", "charts", "lookup.json", "report.json"],
    "no temporary files left",
  );
  assert.deepEqual(fs.readdirSync(path.join(out, "charts")), ["lookup.svg"]);
});

test("--report-only rebuilds the report from the suite files and measures nothing", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  assert.equal((await run(["--suite", "lookup", "--sizes", "10", "--time", "1", "--out", out])).status, 0);
  const lookup = fs.readFileSync(path.join(out, "lookup.json"), "utf8");
  fs.writeFileSync(path.join(out, "REPORT.md"), "stale");
  const r = await run(["--report-only", "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(fs.readFileSync(path.join(out, "REPORT.md"), "utf8"), /^# svcbench report/);
  assert.equal(fs.readFileSync(path.join(out, "lookup.json"), "utf8"), lookup, "suite results untouched");
  const empty = await run(["--report-only", "--out", fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"))]);
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /there are no suite results in .* to report on/);
});

test("--filter runs only the matching cases; a filter matching nothing is a usage error", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  const r = await run([
    "--suite",
    "lookup",
    "--sizes",
    "10",
    "--time",
    "1",
    "--filter",
    "lookup/(vmap|map-ts)$",
    "--out",
    out,
    "--json",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const impls = new Set((JSON.parse(r.stdout) as ResultsFile).cases.map((c) => c.impl));
  assert.deepEqual([...impls].sort(), ["map-ts", "vmap"]);
  const none = await run(["--filter", "^nothing$", "--out", out]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--filter "\^nothing\$" matches no case/);
});

test("a malformed baseline is refused before anything runs, and earlier results stay", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  fs.writeFileSync(path.join(out, "report.json"), "{ broken");
  const r = await run(["--sizes", "10", "--time", "1", "--out", out, "--baseline", path.join(out, "report.json")]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^svcbench: baseline .*report\.json is not valid JSON/);
  assert.deepEqual(fs.readdirSync(out), ["report.json"]);
  assert.equal(fs.readFileSync(path.join(out, "report.json"), "utf8"), "{ broken");
});

test("Ctrl-C during a run leaves the previous results as they were", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  fs.writeFileSync(path.join(out, "lookup.json"), "previous");
  fs.writeFileSync(path.join(out, "REPORT.md"), "previous report");
  const child = spawn(
    process.execPath,
    [...nodeArgs("bench/cli"), "--sizes", "100000", "--time", "20000", "--out", out],
    { stdio: "ignore" },
  );
  await new Promise((r) => setTimeout(r, 2500));
  child.kill("SIGINT");
  const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
    child.on("exit", (c, s) => r([c, s])),
  );
  assert.ok(signal === "SIGINT" || code === 130, `ended by the interrupt (code ${code}, signal ${signal})`);
  assert.deepEqual(fs.readdirSync(out).sort(), ["REPORT.md", "lookup.json"]);
  assert.equal(fs.readFileSync(path.join(out, "lookup.json"), "utf8"), "previous");
  assert.equal(fs.readFileSync(path.join(out, "REPORT.md"), "utf8"), "previous report");
});
