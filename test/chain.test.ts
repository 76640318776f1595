// The KUBE-SERVICES chain: restore is all or nothing, append keeps order, limits are clear errors.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { MISS, Result, RuleChain, ServiceEntry, SvcbenchError } from "../src/core";
import { TsChain } from "../src/reference/chain";
import { WasmBatch } from "../src/wasm/batch";
import { WasmChain } from "../src/wasm/chain";
import { arbEntry, fillPackets, firstMatch } from "./helpers";

const batch = new WasmBatch(64);
after(() => batch.dispose());
const chains = (limit = 0): RuleChain[] => [
  new WasmChain("scalar", limit),
  new WasmChain("simd", limit),
  new TsChain(limit),
];

function routes(c: RuleChain, entries: readonly ServiceEntry[]): number[] {
  const packets = entries.map((e) => ({ daddr: e.addr, dport: e.port, proto: e.proto }));
  fillPackets(batch, packets);
  c.lookup(batch, 0, packets.length);
  return Array.from(batch.out.subarray(0, packets.length));
}

test("appending rule by rule answers like one restore of the same rules", () => {
  fc.assert(
    fc.property(fc.array(arbEntry(), { maxLength: 60 }), (entries) => {
      const probe = entries.slice(0, 64);
      const expect = probe.map((e) => firstMatch(entries, { daddr: e.addr, dport: e.port, proto: e.proto }));
      for (const c of chains()) {
        for (const e of entries) c.append(e);
        assert.equal(c.length, entries.length);
        assert.deepEqual(routes(c, probe), expect, c.impl);
        c.replace(entries);
        assert.deepEqual(routes(c, probe), expect, c.impl);
        c.dispose();
      }
    }),
    { numRuns: 100 },
  );
});

test("a restore with one bad rule fails by name and leaves the chain as it was", () => {
  const good = Array.from({ length: 100 }, (_, i) => ({ addr: 0x0a600000 + i, port: 80, proto: 6, target: i }));
  const bad = [...good.slice(0, 50), { addr: 1, port: 80, proto: 1, target: 0 }, ...good.slice(50)];
  for (const c of chains()) {
    c.replace(good.slice(0, 10));
    assert.throws(
      () => c.replace(bad),
      (e: unknown) => e instanceof SvcbenchError && e.code === Result.BAD_PROTO,
    );
    assert.equal(c.length, 10, c.impl);
    assert.deepEqual(routes(c, good.slice(0, 12)), [...good.slice(0, 10).map((e) => e.target), MISS, MISS], c.impl);
    c.dispose();
  }
});

test("a chain at its limit refuses more rules and keeps the ones it has", () => {
  const rules = Array.from({ length: 5 }, (_, i) => ({ addr: 0x0a600000 + i, port: 443, proto: 6, target: i }));
  for (const c of chains(4)) {
    c.replace(rules.slice(0, 4));
    assert.throws(() => c.append(rules[4]), /full/);
    assert.throws(() => c.replace(rules), /full/);
    assert.equal(c.length, 4, c.impl);
    assert.deepEqual(routes(c, rules), [0, 1, 2, 3, MISS], c.impl);
    c.dispose();
  }
});

test("a lookup range outside the batch is a clear error, not a trap", () => {
  const c = new WasmChain("simd");
  assert.throws(() => c.lookup(batch, 60, 10), /out of bounds/);
  c.dispose();
});
