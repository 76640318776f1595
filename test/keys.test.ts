// Keys are checked at the boundary, every core alike (WASM wrappers and TS twins): an address outside
// 0..2^32-1, a port outside 0..65535, a protocol a Service cannot carry, or a target that is an answer
// (MISS, NO_DEST, DROP) is refused with the field named and changes nothing; a packet whose port or
// protocol is past its range (65616 = 80 + 2^16) matches no entry instead of aliasing one.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { MISS, ServiceEntry, SvcbenchError } from "../src/core";
import { CORE_IMPLS, emptyCore } from "../src/cores";
import { DROP, NO_DEST } from "../src/ipvs";
import { WasmBatch } from "../src/wasm/batch";
import { arbEntry, fillPackets, firstMatch } from "./helpers";

const batch = new WasmBatch(64);
after(() => batch.dispose());

const HOSTILE: Record<keyof ServiceEntry, unknown[]> = {
  addr: [NaN, -1, 2 ** 32 + 5, 2 ** 32, 1.5, Infinity, "10.96.0.1", undefined],
  port: [80.5, 2 ** 32 + 80, 65616, 65536, -1, NaN, "80", undefined],
  proto: [6.5, 65542, 0, 1, 256 + 6, NaN, "6", undefined],
  target: [-1, MISS, NO_DEST, DROP, 0.5, 2 ** 32, NaN, undefined],
};
const FIELDS = Object.keys(HOSTILE) as (keyof ServiceEntry)[];
const GOOD: ServiceEntry = { addr: 0x0a600001, port: 80, proto: 6, target: 3 };

/** What every core says of a bad value: the field and its range (the call before it differs by core). */
const reason = (e: unknown): string => {
  assert.ok(e instanceof SvcbenchError, String(e));
  const m = /(addr|port|proto|target) must .*$/.exec(e.message);
  assert.ok(m, e.message);
  return m[0];
};

function lookups(core: ReturnType<typeof emptyCore>, entries: readonly ServiceEntry[]): number[] {
  const packets = entries.map((e) => ({ daddr: e.addr, dport: e.port, proto: e.proto }));
  fillPackets(batch, packets);
  core.lookup(batch, 0, packets.length);
  return Array.from(batch.out.subarray(0, packets.length));
}

const inRange = (v: unknown, max: number) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;
/** The oracle's own reading of the ranges. */
const isValid = (e: ServiceEntry) =>
  inRange(e.addr, 0xffffffff) &&
  inRange(e.port, 65535) &&
  [6, 17, 132].includes(e.proto) &&
  inRange(e.target, DROP - 1);

const add = (core: ReturnType<typeof emptyCore>, e: ServiceEntry) =>
  "append" in core ? core.append(e) : core.insert(e);
const size = (core: ReturnType<typeof emptyCore>) => ("length" in core ? core.length : core.size);

test("a hostile value in any field is refused by every core with the same words, naming the field", () => {
  for (const field of FIELDS) {
    for (const v of HOSTILE[field]) {
      const bad = { ...GOOD, [field]: v } as ServiceEntry;
      const said = new Set<string>();
      for (const impl of CORE_IMPLS) {
        const core = emptyCore(impl);
        try {
          add(core, GOOD);
          assert.throws(
            () => add(core, bad),
            (e: unknown) => {
              said.add(reason(e));
              return true;
            },
            `${impl} ${field}=${String(v)}`,
          );
          if ("replace" in core)
            assert.throws(
              () => core.replace([GOOD, bad]),
              (e: unknown) => reason(e) === [...said][0],
            );
          if ("delete" in core && field !== "target") {
            assert.throws(
              () => core.delete(bad),
              (e: unknown) => reason(e) === [...said][0],
              `${impl} delete ${field}=${String(v)}`,
            );
          }
          assert.equal(size(core), 1, `${impl}: nothing changed`);
          assert.deepEqual(lookups(core, [GOOD]), [GOOD.target], impl);
        } finally {
          core.dispose();
        }
      }
      assert.equal(said.size, 1, `${field}=${String(v)}: ${[...said].join(" | ")}`);
      assert.match([...said][0], new RegExp(`^${field} must`));
    }
  }
});

test("the probes: a port or protocol past its range neither deletes nor finds the entry it would alias", () => {
  for (const impl of CORE_IMPLS) {
    const core = emptyCore(impl);
    try {
      add(core, GOOD);
      fillPackets(batch, [
        { daddr: GOOD.addr, dport: 65616, proto: 6 },
        { daddr: GOOD.addr, dport: 80, proto: 65542 },
        { daddr: GOOD.addr, dport: 80 + 2 ** 24, proto: 6 },
        { daddr: GOOD.addr, dport: 80, proto: 6 },
      ]);
      core.lookup(batch, 0, 4);
      assert.deepEqual(Array.from(batch.out.subarray(0, 4)), [MISS, MISS, MISS, GOOD.target], impl);
      if ("delete" in core)
        assert.throws(
          () => core.delete({ addr: GOOD.addr, port: 65616, proto: 6 }),
          /port must be an integer in 0\.\.65535, got 65616/,
        );
      assert.equal(size(core), 1, impl);
    } finally {
      core.dispose();
    }
  }
});

test("with hostile entries mixed in, every core keeps exactly the valid ones and answers as first match on them", () => {
  const hostile = fc
    .tuple(fc.constantFrom(...FIELDS), fc.nat(7))
    .map(([f, i]) => ({ ...GOOD, [f]: HOSTILE[f][i % HOSTILE[f].length] }) as ServiceEntry);
  const wild = fc.record({
    daddr: fc.nat({ max: 0xffffffff }),
    dport: fc.constantFrom(80, 65616, 2 ** 32 - 1),
    proto: fc.constantFrom(6, 65542, 0xffffffff),
  });
  fc.assert(
    fc.property(
      fc.array(fc.oneof(arbEntry(), hostile), { maxLength: 30 }),
      fc.array(wild, { maxLength: 20 }),
      (entries, extra) => {
        const valid = entries.filter(isValid);
        const probes = [...valid.map((e) => ({ daddr: e.addr, dport: e.port, proto: e.proto })), ...extra].slice(0, 64);
        const expect = probes.map((p) => firstMatch(valid, p));
        for (const impl of CORE_IMPLS) {
          const core = emptyCore(impl);
          try {
            for (const e of entries) {
              try {
                add(core, e);
              } catch (err) {
                reason(err);
              }
            }
            fillPackets(batch, probes);
            core.lookup(batch, 0, probes.length);
            assert.deepEqual(Array.from(batch.out.subarray(0, probes.length)), expect, impl);
          } finally {
            core.dispose();
          }
        }
      },
    ),
    { numRuns: 80 },
  );
});
