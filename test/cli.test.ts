// The svcbench command: clear one-line errors (exit 2) on bad flags, results written whole.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CORE_IMPLS } from "../src/cores";
import { ResultsFile } from "../src/report/results";

const BIN = path.join(__dirname, "..", "bin", "svcbench");
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

test("bad flags get one line naming the flag and exit 2, and leave earlier results alone", () => {
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
    const r = run([...args, "--out", out]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, says);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  }
  assert.equal(fs.readFileSync(earlier, "utf8"), "earlier results");
});

test("--help documents every flag", () => {
  const r = run(["--help"]);
  assert.equal(r.status, 0);
  for (const flag of ["--suite", "--sizes", "--full", "--seed", "--time", "--out", "--json", "--miss", "--traffic"]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

test("a small lookup run writes every case in the shared shape", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  const r = run(["--suite", "lookup", "--sizes", "10,100", "--time", "1", "--seed", "5", "--out", out, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const file = JSON.parse(fs.readFileSync(path.join(out, "lookup.json"), "utf8")) as ResultsFile;
  assert.deepEqual(JSON.parse(r.stdout), file);
  assert.equal(file.env.seed, 5);
  for (const key of ["node", "cpu", "cores", "commit", "date"]) assert.ok(key in file.env, key);
  for (const n of [10, 100]) {
    for (const impl of [...CORE_IMPLS, "roofline"]) {
      const c = file.cases.find((x) => x.impl === impl && x.n === n && x.scenario === undefined);
      assert.ok(c, `${impl} N=${n}`);
      assert.equal(c.batch, 1024);
      assert.ok(c.median_ns > 0 && c.p99_ns >= c.median_ns && c.samples > 0, JSON.stringify(c));
    }
  }
  assert.deepEqual(file.cases.filter((c) => c.scenario === "batch-sweep").map((c) => c.batch), [1, 16, 256, 1024, 4096]);
  assert.deepEqual(fs.readdirSync(out), ["lookup.json"], "no temporary files left");
});
