// The sched suite's parts: fairness figures, the connection-traffic model behind the balance cases,
// and a tiny run of the suite (case count, shapes, the table) on a filter.
import assert from "node:assert/strict";
import { test } from "node:test";
import { schedSuite } from "../bench/sched";
import { disruption, REMOVALS } from "../bench/sched-disruption";
import { schedTable } from "../bench/sched-table";
import { Progress } from "../bench/harness";
import { SchedulerName } from "../src/ipvs";
import { jain, maxOverMean, percentile } from "../src/util/stats";
import { disruptionOf } from "../src/report/cases";
import { schedSection } from "../src/report/sched-section";
import { WasmBatch } from "../src/wasm/batch";
import { WasmService } from "../src/wasm/ipvs";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { WasmRoute } from "../src/wasm/route";
import { BalanceFigures, runConnTraffic } from "../src/workload/conns";
import { DEFAULT_TRAFFIC } from "../src/workload/traffic";

test("fairness: Jain's index, max over mean and nearest-rank percentiles", () => {
  assert.equal(jain([2, 2, 2, 2]), 1);
  assert.equal(jain([5, 0, 0, 0]), 0.25);
  assert.ok(Math.abs(jain([1, 2, 3]) - 36 / 42) < 1e-12);
  assert.equal(maxOverMean([1, 1, 4]), 2);
  assert.equal(percentile([5, 1, 3, 2, 4], 0.99), 5);
  assert.equal(percentile([5, 1, 3, 2, 4], 0.5), 3);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

function balance(name: SchedulerName, weights: number[], speeds: number[]): BalanceFigures {
  const vip = { addr: 0x0a600001, port: 80, proto: 6, target: 0 };
  const table = new WasmKeyedTable("vmap"),
    svc = new WasmService(),
    batch = new WasmBatch(1);
  table.insert(vip);
  svc.setScheduler(name);
  weights.forEach((w, i) => svc.addDest({ addr: 0x0af40001 + i, port: 8080, weight: w }));
  const route = new WasmRoute(table, [svc]);
  try {
    return runConnTraffic(
      route,
      vip,
      { speeds, load: 0.7, connections: 4000, meanWorkMs: 20, clients: 200, seed: 5 },
      batch,
    );
  } finally {
    route.dispose();
    svc.dispose();
    table.dispose();
    batch.dispose();
  }
}

test("connection traffic: least-connection beats rr on pods of unequal speed; dh sends one ClusterIP to one pod", () => {
  const speeds = [1, 4, 1, 4],
    ones = [1, 1, 1, 1];
  const rr = balance("rr", ones, speeds),
    lc = balance("lc", ones, speeds),
    wrr = balance("wrr", speeds, speeds),
    dh = balance("dh", ones, speeds);
  assert.ok(lc.jain > rr.jain && lc.mean_response_ms < rr.mean_response_ms, JSON.stringify({ rr, lc }));
  assert.ok(wrr.jain > 0.98, `wrr with capacity weights: ${wrr.jain}`);
  assert.ok(Math.abs(dh.jain - 1 / 4) < 1e-9 && dh.max_mean === 4, JSON.stringify(dh));
  for (const f of [rr, lc, wrr, dh]) assert.equal(f.refused, 0);
});

/** The suite's options for a tiny run (100 Services, 2 ms per case) of the cases the filter lets through. */
function tinyRun(filter: RegExp) {
  return { sizes: [100], full: false, seed: 3, budget: { time: 2, iterations: 2 }, traffic: DEFAULT_TRAFFIC, filter };
}

test("a filtered run of the suite gives the cases it counts, well formed, and a table", () => {
  const opts = tinyRun(/^sched\/(mh|mh-ts|conntrack)$/);
  const { cases } = schedSuite.run(opts, new Progress(0, false));
  assert.equal(cases.length, schedSuite.caseCount(opts));
  const kinds = cases.map((c) => `${c.impl}/${c.scenario ?? "pick"}/${c.n}`);
  for (const k of [
    "mh/pick/2",
    "mh-ts/pick/1000",
    "conntrack/hit/100",
    "conntrack/miss/100",
    "mh/balance-capacity/10",
    "mh/disruption/100",
  ]) {
    assert.ok(kinds.includes(k), `${k} missing from ${kinds.join(" ")}`);
  }
  for (const c of cases) {
    assert.equal(c.suite, "sched");
    if (c.samples === 0) assert.equal("timed" in c && c.timed, false, `${c.impl} ${c.scenario}: untimed cases say so`);
    else assert.ok(c.median_ns > 0 && c.p99_ns >= c.median_ns, `${c.impl} ${c.scenario} ${c.n}`);
  }
  const table = schedSuite.table(cases);
  assert.match(table, /ns per pick/);
  assert.match(table, /conntrack hit \/ miss at 100 Services/);
});

test("disruption removes pods that hold table entries, and says how many pods hold none when N passes the table", () => {
  const cases = disruption({ names: ["dh"], seed: 3, budget: { time: 2, iterations: 2 } }, new Progress(0, false));
  const big = cases.find((c) => c.n === 1000)!,
    small = cases.find((c) => c.n === 10)!;
  assert.equal(big.over_table, true);
  assert.equal(big.dests_with_entries, 256 / 1000, "dh fills 256 buckets: 256 of 1000 pods hold one");
  assert.equal(small.over_table, false);
  assert.equal(small.dests_with_entries, 1);
  for (const c of cases) {
    assert.equal(c.removals, Math.min(REMOVALS, 256));
    assert.ok(
      Number(c.removed_share) > 0 && Number(c.moved_remove) >= Number(c.removed_share),
      `${c.n}: the removed pod's own flows move, at least`,
    );
  }
  const text = schedSection.findings(cases).join("\n");
  assert.match(
    text,
    /dh at N = 1,000 has more pods than its 256-entry table: only 25\.6% of pods hold an entry, the other 744 never get a new connection/,
  );
  assert.match(schedTable(cases), /! N is above the table's size/);
});

test("Cilium's Maglev-16381 in the sched suite: picks agree with the twin, a removal moves about 1/N, slots within one of M/N", () => {
  const opts = tinyRun(/^sched\/maglev-16381(-ts)?$/);
  const { cases } = schedSuite.run(opts, new Progress(0, false));
  assert.equal(cases.length, schedSuite.caseCount(opts));
  const kinds = cases.map((c) => `${c.impl}/${c.scenario ?? "pick"}/${c.n}`);
  for (const k of ["maglev-16381/pick/2", "maglev-16381-ts/pick/1000", "maglev-16381/disruption/100"])
    assert.ok(kinds.includes(k), k);
  const d = disruptionOf(cases).find((c) => c.n === 100)!;
  assert.ok(Number(d.moved_remove) > 0.009 && Number(d.moved_remove) < 0.05, `moved ${d.moved_remove}`);
  assert.ok(Number(d.slots_max_over_mean) <= Math.ceil(16381 / 100) / (16381 / 100) + 1e-9);
  assert.equal(d.dests_with_entries, 1);
});
