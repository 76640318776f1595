// The same seed gives the same figures: two runs of every suite, one sampling longer than the other
// (so their sample counts differ), agree on every field that is not a timing (counts, rules and bytes
// written, checksums, shares), case by case. Tiny sizes keep it fast.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Progress } from "../bench/harness";
import { SuiteOptions } from "../bench/suite";
import { SUITES } from "../bench/suites";
import { CaseResult } from "../src/report/results";
import { DEFAULT_TRAFFIC } from "../src/workload/traffic";

/** The fields that measure time (or how many samples fit in it). */
const TIMING = new Set(["median_ns", "p99_ns", "rme", "samples", "sync_ns", "initial_sync_ms"]);
const untimed = (cases: CaseResult[]) =>
  cases.map((c) => Object.fromEntries(Object.entries(c).filter(([k]) => !TIMING.has(k))));

for (const suite of SUITES) {
  test(`${suite.name}: the same seed gives identical non-timing fields in two runs that sample differently`, () => {
    const o: SuiteOptions = {
      sizes: [10, 30],
      full: false,
      seed: 3,
      budget: { time: 1, iterations: 1 },
      traffic: DEFAULT_TRAFFIC,
    };
    const a = suite.run(o, new Progress(0, false)).cases;
    const b = suite.run({ ...o, budget: { time: 3, iterations: 2 } }, new Progress(0, false)).cases;
    assert.ok(a.length > 0);
    assert.deepEqual(untimed(b), untimed(a));
  });
}
