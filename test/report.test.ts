// The report: complexity fits pick the right class, the baseline's two gates, charts render
// well-formed SVG with the expected series, and a results set is built from a fixed result set.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { renderSvg } from "../src/report/charts";
import { checkComparable, compare, readResultsFile } from "../src/report/compare";
import { fitPoints } from "../src/report/fit";
import { lookupSection } from "../src/report/lookup-section";
import { buildReport, reportFiles } from "../src/report/report";
import { LookupCase, LookupImpl } from "../src/report/cases";
import { ResultsFile, runEnv } from "../src/report/results";

const sizes = [10, 100, 1000, 10000, 100000];
const curve = (impl: LookupImpl, f: (n: number) => number): LookupCase[] =>
  sizes.map((n) => ({
    suite: "lookup",
    impl,
    n,
    batch: 1024,
    median_ns: f(n),
    p99_ns: f(n) * 1.2,
    rme: 1,
    samples: 50,
  }));
const fixture: ResultsFile = {
  env: runEnv(1),
  cases: [
    ...curve("chain-scalar", (n) => 0.4 * n + 5),
    ...curve("chain-simd", (n) => 0.05 * n + 10),
    ...curve("vmap", () => 12),
    ...curve("svctable-fixed", (n) => 5 + n / 256),
    ...curve("roofline", (n) => 0.03 * n + 3),
  ],
};

test("the complexity fit names the class a curve was made from, and its log-log slope", () => {
  const pts = (f: (n: number) => number) => sizes.map((n) => ({ n, t: f(n) }));
  assert.equal(fitPoints(pts(() => 7))?.class, "O(1)");
  assert.equal(fitPoints(pts((n) => 3 * Math.log2(n)))?.class, "O(log N)");
  const lin = fitPoints(pts((n) => 0.5 * n))!;
  assert.equal(lin.class, "O(N)");
  assert.ok(Math.abs(lin.coefficient - 0.5) < 1e-9 && Math.abs(lin.loglog_slope - 1) < 1e-9);
  assert.equal(fitPoints(pts((n) => n * Math.log2(n)))?.class, "O(N log N)");
  assert.equal(fitPoints(pts((n) => n * n))?.class, "O(N^2)");
  assert.equal(fitPoints([{ n: 10, t: 1 }]), undefined, "one size is no curve");
});

test("the baseline flags a deliberately slowed case as regressed and leaves noise alone", () => {
  const slowed: ResultsFile = {
    env: fixture.env,
    cases: fixture.cases.map((c) =>
      c.impl === "vmap" && c.n === 1000
        ? { ...c, median_ns: c.median_ns * 1.5 }
        : c.impl === "chain-simd" && c.n === 100
          ? { ...c, median_ns: c.median_ns * 0.5 }
          : c.impl === "chain-scalar" && c.n === 10
            ? { ...c, median_ns: c.median_ns * 1.01 } // inside the 2% threshold
            : c.impl === "roofline" && c.n === 10
              ? { ...c, median_ns: c.median_ns * 1.05, rme: 8 } // beyond 2%, not beyond rme
              : c,
    ),
  };
  checkComparable(fixture, slowed, "base.json");
  const cmp = compare(fixture, slowed, 2);
  const verdict = (impl: string, n: number) => cmp.find((c) => c.impl === impl && c.n === n)?.verdict;
  assert.equal(verdict("vmap", 1000), "regressed");
  assert.equal(verdict("chain-simd", 100), "improved");
  assert.equal(verdict("chain-scalar", 10), "no change");
  assert.equal(verdict("roofline", 10), "no change");
  assert.equal(cmp.filter((c) => c.verdict !== "no change").length, 2);
});

test("runs with another seed or other sizes are refused by name", () => {
  assert.throws(
    () => checkComparable(fixture, { ...fixture, env: { ...fixture.env, seed: 2 } }, "b.json"),
    /seed 1, this run with 2: not comparable/,
  );
  const fewer = { ...fixture, cases: fixture.cases.filter((c) => c.n !== 10) };
  assert.throws(
    () => checkComparable(fixture, fewer, "b.json"),
    /ran lookup at sizes 10,100,1000,10000,100000, this run at 100,1000,10000,100000/,
  );
  assert.throws(() => checkComparable({ ...fixture, cases: [] }, fixture, "b.json"), /has no lookup cases/);
});

test("a malformed or missing baseline file is one clear error", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  assert.throws(() => readResultsFile(path.join(dir, "none.json")), /cannot be read: ENOENT/);
  assert.throws(() => readResultsFile(write("a.json", "{ nope")), /is not valid JSON/);
  assert.throws(() => readResultsFile(write("b.json", "[]")), /needs "env" and "cases"/);
  const env = runEnv(1),
    good = fixture.cases[0];
  const file = (cases: unknown[], e: unknown = env) => write("c.json", JSON.stringify({ env: e, cases }));
  assert.throws(() => readResultsFile(file([{ suite: "lookup" }])), /c\.json: case 0: "impl" is missing$/);
  assert.throws(
    () => readResultsFile(file([good, { ...good, median_ns: "12" }])),
    /c\.json: case 1 \(lookup\/chain-scalar N=10\): "median_ns" is a string, not a number$/,
  );
  assert.throws(
    () => readResultsFile(file([{ ...good, suite: "lookups" }])),
    /case 0 \(lookups\/chain-scalar N=10\): suite "lookups" is not lookup, sched, sync or kernel$/,
  );
  assert.throws(
    () => readResultsFile(file([{ ...good, scenario: "zipf" }])),
    /scenario "zipf" is not one the lookup suite writes$/,
  );
  assert.throws(
    () => readResultsFile(file([good], { ...env, seed: "1" })),
    /c\.json: "env\.seed" is a string, not a number$/,
  );
});

test("charts render as well-formed SVG with one series per impl", async () => {
  const [chart] = lookupSection.charts(fixture.cases);
  const svg = await renderSvg(chart);
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  const opened = (svg.match(/<g\b/g) ?? []).length,
    closed = (svg.match(/<\/g>/g) ?? []).length;
  assert.equal(opened, closed, "balanced groups");
  for (const impl of ["chain-scalar", "chain-simd", "vmap", "svctable-fixed", "roofline"])
    assert.ok(svg.includes(`>${impl}<`), `legend has ${impl}`);
  assert.equal(
    (svg.match(/role-mark[^"]*line/g) ?? []).length > 0 || svg.includes("mark-line"),
    true,
    "has line marks",
  );
});

test("a report from a fixed result set has every file, findings with numbers and the fits", async () => {
  const report = buildReport(fixture.env, new Map([["lookup", fixture]]));
  const files = await reportFiles(report, new Map([["lookup", { file: "lookup.json", results: fixture }]]));
  assert.deepEqual([...files.keys()].sort(), ["REPORT.md", "charts/lookup.svg", "lookup.json", "report.json"]);
  const md = files.get("REPORT.md")!;
  assert.match(
    md,
    /At 100,000 Services the iptables first-packet lookup .* costs 40\.0k ns, 3334× the nftables verdict-map lookup/,
  );
  assert.match(md, /kubernetes#96018/);
  const json = JSON.parse(files.get("report.json")!);
  assert.equal(json.fits.find((f: { impl: string }) => f.impl === "vmap").class, "O(1)");
  assert.equal(json.fits.find((f: { impl: string }) => f.impl === "chain-scalar").class, "O(N)");
});
