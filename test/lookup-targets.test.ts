// The hash lookup targets are judged from the cases of one run: met, missed, or not measured.
import assert from "node:assert/strict";
import { test } from "node:test";
import { lookupTargets } from "../src/report/lookup-targets";
import { LookupCase, LookupImpl } from "../src/report/cases";

const c = (impl: LookupImpl, n: number, median_ns: number, extra: Partial<LookupCase> = {}): LookupCase => ({
  suite: "lookup",
  impl,
  n,
  batch: 1024,
  median_ns,
  p99_ns: median_ns,
  rme: 0.5,
  samples: 20,
  ...extra,
});

function run(vmap1M: number, peakBytes: number): LookupCase[] {
  return [
    c("vmap", 100, 10, { probe: "plain" }),
    c("vmap-plain", 100, 10),
    c("vmap", 10000, 10.1, { probe: "plain" }),
    c("vmap-plain", 10000, 10),
    c("vmap", 1e6, vmap1M, { probe: "staged", wasm_bytes: 32 << 20, wasm_peak_bytes: peakBytes }),
    c("vmap-plain", 1e6, 30),
    c("dramG-vmap", 1e6, 8, { reads_in_flight: 32 }),
    c("vmap", 100, 10, { scenario: "zipf-1.1" }),
    c("vmap", 1e6, 12, { scenario: "zipf-1.1" }),
  ];
}

test("targets met when the run says so, missed when it does not, and not measured without 1M", () => {
  const good = lookupTargets(run(14, 48 << 20));
  const byStart = (list: typeof good, s: string) => list.find((t) => t.target.startsWith(s))!;
  assert.equal(byStart(good, "vmap:").met, true);
  assert.match(byStart(good, "vmap:").measured, /1\.40 .*Zipf s=1\.1: 1\.20/);
  assert.equal(byStart(good, "svctable-resizable:").met, undefined, "not measured: no svctable cases");
  assert.equal(byStart(good, "staged probe").met, true);
  assert.equal(byStart(good, "within 2×").met, true);
  assert.equal(byStart(good, "at N ≤ 10k").met, true, "1% slower is within the 2% noise");
  assert.equal(byStart(good, "a 1M-Service vmap").met, true);

  const bad = lookupTargets(run(25, 80 << 20));
  assert.equal(byStart(bad, "vmap:").met, false);
  assert.equal(byStart(bad, "staged probe").met, false);
  assert.equal(byStart(bad, "within 2×").met, false);
  assert.equal(byStart(bad, "a 1M-Service vmap").met, false);

  const small = lookupTargets(run(14, 48 << 20).filter((x) => x.n < 1e6));
  assert.ok(
    small
      .filter((t) => !t.target.startsWith("at N ≤"))
      .every((t) => t.met === undefined && /not measured/.test(t.measured)),
  );
});
