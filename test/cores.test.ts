// Every lookup core answers exactly like the first-match oracle, on random service sets and packets.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { buildCore, CORE_IMPLS } from "../src/cores";
import { WasmBatch } from "../src/wasm/batch";
import { makeServicePorts } from "../src/workload/cluster";
import { fillTraffic } from "../src/workload/traffic";
import { arbEntry, arbPacketFor, arbWideEntry, fillPackets, firstMatch } from "./helpers";

const batch = new WasmBatch(512);
after(() => batch.dispose());

function answers(impl: (typeof CORE_IMPLS)[number], entries: Parameters<typeof buildCore>[1], count: number): number[] {
  const core = buildCore(impl, entries);
  try {
    core.lookup(batch, 0, count);
    return Array.from(batch.out.subarray(0, count));
  } finally {
    core.dispose();
  }
}

const setsAndPackets = (entries: fc.Arbitrary<Parameters<typeof buildCore>[1]>) =>
  entries.chain((es) => fc.tuple(fc.constant(es), fc.array(arbPacketFor(es), { minLength: 1, maxLength: 200 })));

test("all cores agree with first match on small sets full of repeated VIP:port (first match wins)", () => {
  fc.assert(
    fc.property(setsAndPackets(fc.array(arbEntry(), { maxLength: 40 })), ([entries, packets]) => {
      fillPackets(batch, packets);
      const expect = packets.map((p) => firstMatch(entries, p));
      for (const impl of CORE_IMPLS) assert.deepEqual(answers(impl, entries, packets.length), expect, impl);
    }),
    { numRuns: 150 },
  );
});

test("all cores agree on sets whose sizes cross SIMD block edges and table growth points", () => {
  const sizes = fc.constantFrom(0, 1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 97, 128, 129, 255, 257, 300);
  const sets = sizes.chain((n) => fc.array(arbWideEntry, { minLength: n, maxLength: n }));
  fc.assert(
    fc.property(setsAndPackets(sets), ([entries, packets]) => {
      fillPackets(batch, packets);
      const expect = packets.map((p) => firstMatch(entries, p));
      for (const impl of CORE_IMPLS) assert.deepEqual(answers(impl, entries, packets.length), expect, impl);
    }),
    { numRuns: 60 },
  );
});

test("a rule matching only in the last SIMD lane of a block, or only in the tail, is found", () => {
  for (const n of [32, 33, 64, 70]) {
    const entries = makeServicePorts(n, n);
    for (const k of [0, 3, 4, 15, 16, 31, n - 1]) {
      const p = { daddr: entries[k].addr, dport: entries[k].port, proto: entries[k].proto };
      fillPackets(batch, [p]);
      for (const impl of CORE_IMPLS) assert.equal(answers(impl, entries, 1)[0], k, `${impl} n=${n} k=${k}`);
    }
  }
});

test("same VIP, other port: the SIMD block with an equal address but no full match goes on scanning", () => {
  const vip = 0x0a600010;
  const entries = Array.from({ length: 40 }, (_, i) => ({ addr: vip, port: 1000 + i, proto: 6, target: i }));
  fillPackets(batch, [
    { daddr: vip, dport: 1039, proto: 6 },
    { daddr: vip, dport: 999, proto: 6 },
  ]);
  for (const impl of CORE_IMPLS) assert.deepEqual(answers(impl, entries, 2), [39, 0xffffffff], impl);
});

test("on a seeded cluster with Zipf traffic and misses, every core gives the same answers", () => {
  const services = makeServicePorts(2000, 7);
  const big = new WasmBatch(4096);
  try {
    fillTraffic(big, services, { distribution: "zipf", zipfS: 1.1, missRatio: 0.2 }, 9);
    let expect: number[] | undefined;
    for (const impl of CORE_IMPLS) {
      const core = buildCore(impl, services);
      core.lookup(big, 0, 4096);
      const got = Array.from(big.out);
      core.dispose();
      expect ??= got;
      assert.deepEqual(got, expect, impl);
    }
    assert.ok(expect!.filter((t) => t === 0xffffffff).length > 500, "misses are present");
  } finally {
    big.dispose();
  }
});
