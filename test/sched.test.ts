// Every WASM scheduler (assembly/sched/) answers exactly as its TS twin (src/reference/sched/) on random
// dest sets (weights 0..65535, thresholds, overload flags, conn counts up to 2^32 - 1) and random sequences
// of dest changes and picks; the dest records, list order and lookup tables agree after every step.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { IP_VS_SVC_F_SCHED_FALLBACK, IP_VS_SVC_F_SCHED_PORT, SCHEDULERS, SchedulerName } from "../src/ipvs";
import { WasmBatch } from "../src/wasm/batch";
import { arbPkt, picks, Pkt, snapshot, twins } from "./ipvs-fixtures";

const batch = new WasmBatch(64);
after(() => batch.dispose());

type Op =
  | { op: "add" | "edit"; addr: number; port: number; weight: number; uth: number; lth: number }
  | { op: "del"; addr: number; port: number }
  | { op: "conns"; pick: number; active: number; inact: number; overloaded: boolean }
  | { op: "pick"; pkts: Pkt[]; bind: boolean }
  | { op: "resched"; flags: number };

const arbCount = fc.oneof(fc.nat(12), fc.constantFrom(0xffffffff, 0x7fffffff, 1 << 24), fc.nat({ max: 0xffffffff }));
const arbWeight = fc.oneof(fc.nat(6), fc.constantFrom(0, 65535), fc.nat(65535));
const arbFlags = fc.constantFrom(
  0,
  IP_VS_SVC_F_SCHED_FALLBACK,
  IP_VS_SVC_F_SCHED_PORT,
  IP_VS_SVC_F_SCHED_FALLBACK | IP_VS_SVC_F_SCHED_PORT,
);
const arbDestKey = { addr: fc.nat(9), port: fc.constantFrom(80, 8080) };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        op: fc.constantFrom("add" as const, "edit" as const),
        ...arbDestKey,
        weight: arbWeight,
        uth: fc.oneof(fc.constant(0), fc.nat(8)),
        lth: fc.nat(8),
      })
      .map((o) => ({ ...o, lth: Math.min(o.lth, o.uth) })),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("del" as const), ...arbDestKey }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("conns" as const),
      pick: fc.nat(),
      active: arbCount,
      inact: arbCount,
      overloaded: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("pick" as const),
      pkts: fc.array(arbPkt, { minLength: 1, maxLength: 12 }),
      bind: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("resched" as const), flags: arbFlags }) },
);

function run(name: SchedulerName, flags: number, ops: Op[]): void {
  const [w, t] = twins(name, flags);
  try {
    for (const o of ops) {
      switch (o.op) {
        case "add":
        case "edit": {
          const d = { addr: o.addr, port: o.port, weight: o.weight, u_threshold: o.uth, l_threshold: o.lth };
          if (o.op === "add") assert.equal(w.addDest(d), t.addDest(d));
          else assert.equal(w.editDest(d), t.editDest(d));
          break;
        }
        case "del":
          assert.equal(w.delDest(o.addr, o.port), t.delDest(o.addr, o.port));
          break;
        case "conns": {
          const ids = t.ids();
          if (ids.length === 0) break;
          const id = ids[o.pick % ids.length];
          for (const s of [w, t]) s.setConns(id, o.active, o.inact, o.overloaded);
          break;
        }
        case "pick":
          assert.deepEqual(picks(w, batch, o.pkts, o.bind), picks(t, batch, o.pkts, o.bind), `${name} picks`);
          break;
        case "resched":
          for (const s of [w, t]) s.setScheduler(name, o.flags);
          break;
      }
      assert.deepEqual(snapshot(w, 24), snapshot(t, 24), `${name} state after ${o.op}`);
    }
  } finally {
    w.dispose();
  }
}

for (const name of SCHEDULERS) {
  test(`${name}: WASM and TS twin agree on random dests, counters and picks`, () => {
    fc.assert(
      fc.property(arbFlags, fc.array(arbOp, { maxLength: 40 }), (flags, ops) => run(name, flags, ops)),
      { numRuns: 100 },
    );
  });
}

test("a long run of binding picks keeps WASM and twin in step (counters grow, overload trips)", () => {
  for (const name of SCHEDULERS) {
    const dests = Array.from({ length: 7 }, (_, i) => ({
      addr: i + 1,
      port: 80,
      weight: (i % 4) + 1,
      u_threshold: i % 3 === 0 ? 0 : 40 + i,
      l_threshold: 0,
    }));
    const [w, t] = twins(name, IP_VS_SVC_F_SCHED_FALLBACK, dests);
    try {
      const pkts = Array.from({ length: 64 }, (_, i) => ({
        saddr: 0x0a000000 + i * 7919,
        sport: 1024 + i,
        daddr: 0x0a600000 + (i % 5),
      }));
      for (let round = 0; round < 20; round++) {
        assert.deepEqual(picks(w, batch, pkts, true), picks(t, batch, pkts, true), `${name} round ${round}`);
      }
      assert.deepEqual(snapshot(w, 7), snapshot(t, 7), name);
    } finally {
      w.dispose();
    }
  }
});
