// The BPF hash map model (assembly/ebpf/htab.ts, linux kernel/bpf/hashtab.c) against its TS twin on
// random update/delete/lookup sequences, including full maps, replaced values and every update flag;
// the kernel's shape (power-of-two buckets, -E2BIG past max_entries, element reuse after delete);
// jhash2 in WASM against the twin.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MISS, Result } from "../src/core";
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST, EbpfServiceTable, Htab, Key } from "../src/ebpf/htab";
import { TsHtab } from "../src/reference/ebpf/htab";
import { jhash2 } from "../src/reference/ebpf/jhash";
import { WasmBatch } from "../src/wasm/batch";
import { WasmHtab } from "../src/wasm/ebpf";
import { wasm } from "../src/wasm/module";

type Op =
  | { kind: "update"; k: Key; v: [number, number, number]; flags: number }
  | { kind: "delete"; k: Key }
  | { kind: "lookup"; k: Key };

const word = (few: number) => fc.oneof(fc.nat(few), fc.nat(0xffffffff));
const keyOf = (words: number) =>
  fc.tuple(word(5), word(3), word(2)).map(([a, b, c]): Key => [a, words >= 2 ? b : 0, words >= 3 ? c : 0]);
const opOf = (words: number) =>
  fc.oneof(
    fc.record({
      kind: fc.constant("update" as const),
      k: keyOf(words),
      v: fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff)),
      flags: fc.constantFrom(BPF_ANY, BPF_NOEXIST, BPF_EXIST, 3),
    }),
    fc.record({ kind: fc.constant("delete" as const), k: keyOf(words) }),
    fc.record({ kind: fc.constant("lookup" as const), k: keyOf(words) }),
  );

function apply(m: Htab, op: Op): unknown {
  switch (op.kind) {
    case "update":
      return m.update(op.k, op.v, op.flags);
    case "delete":
      return m.delete(op.k);
    default:
      return m.lookup(op.k) ?? null;
  }
}

test("WASM and TS twin give the same results, counts and bucket lists on any sequence", () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 3 })
        .chain((w) =>
          fc.tuple(
            fc.constant(w),
            fc.integer({ min: 1, max: 40 }),
            fc.nat(0xffffffff),
            fc.array(opOf(w), { maxLength: 150 }),
          ),
        ),
      ([words, max, rnd, ops]) => {
        const maps: Htab[] = [new WasmHtab(words, max, rnd), new TsHtab(words, max, rnd)];
        try {
          for (const op of ops) {
            const [a, b] = maps.map((m) => apply(m, op));
            assert.deepEqual(a, b, JSON.stringify(op));
          }
          assert.equal(maps[0].count, maps[1].count);
          assert.ok(maps[0].count <= max);
          assert.deepEqual(maps[0].chainLengths(), maps[1].chainLengths());
        } finally {
          for (const m of maps) m.dispose();
        }
      },
    ),
    { numRuns: 200 },
  );
});

test("the kernel's shape: power-of-two buckets, -E2BIG past max_entries, flags, an element reused after delete", () => {
  for (const m of [new WasmHtab(3, 5, 7), new TsHtab(3, 5, 7)]) {
    try {
      assert.equal(m.buckets, 8);
      for (let i = 0; i < 5; i++) assert.equal(m.update([i, 0, 0], [i, 0, 0]), Result.OK);
      assert.equal(m.update([9, 0, 0], [9, 0, 0]), Result.FULL, "a sixth key");
      assert.equal(m.update([2, 0, 0], [20, 0, 0], BPF_ANY), Result.OK, "a full map still replaces a value");
      assert.deepEqual(m.lookup([2, 0, 0]), [20, 0, 0]);
      assert.equal(m.update([2, 0, 0], [1, 1, 1], BPF_NOEXIST), Result.EXISTS);
      assert.equal(m.update([8, 0, 0], [1, 1, 1], BPF_EXIST), Result.NOT_FOUND);
      assert.equal(m.delete([3, 0, 0]), Result.OK);
      assert.equal(m.delete([3, 0, 0]), Result.NOT_FOUND);
      assert.equal(m.update([9, 0, 0], [9, 0, 0]), Result.OK, "the freed element takes the new key");
      assert.equal(m.count, 5);
      assert.equal(m.lookup([3, 0, 0]), undefined);
    } finally {
      m.dispose();
    }
  }
  const one = new WasmHtab(1, 4, 0);
  try {
    assert.equal(one.update([1, 2, 0], [0, 0, 0]), Result.BAD_ARG, "a one-word key has no second word");
  } finally {
    one.dispose();
  }
  assert.throws(() => new TsHtab(4, 10, 0), /key of 4 words/);
  assert.throws(() => new WasmHtab(3, 0, 0), /max_entries 0/);
});

test("jhash2 in WASM equals the twin for one to three words", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.nat(0xffffffff),
      fc.nat(0xffffffff),
      fc.nat(0xffffffff),
      fc.nat(0xffffffff),
      (n, a, b, c, iv) => {
        assert.equal(wasm().jhash2_words(n, a, b, c, iv) >>> 0, jhash2(n, a, b, c, iv));
      },
    ),
  );
});

test("the ebpf-htab core finds each frontend, misses others, and refuses a bad protocol", () => {
  const core = new EbpfServiceTable(new WasmHtab(3, 16, 1));
  const b = new WasmBatch(3);
  try {
    assert.equal(core.insert({ addr: 0x0a600001, port: 80, proto: 6, target: 7 }), Result.OK);
    assert.equal(core.insert({ addr: 0x0a600001, port: 80, proto: 6, target: 8 }), Result.EXISTS);
    assert.throws(
      () => core.insert({ addr: 1, port: 80, proto: 1, target: 0 }),
      /must be TCP \(6\), UDP \(17\) or SCTP/,
    );
    [
      [0x0a600001, 80, 6],
      [0x0a600001, 80, 17],
      [0x0a600001, 81, 6],
    ].forEach(([d, p, r], i) => {
      b.daddr[i] = d;
      b.dport[i] = p;
      b.proto[i] = r;
    });
    core.lookup(b, 0, 3);
    assert.deepEqual(Array.from(b.out), [7, MISS, MISS]);
    assert.equal(core.delete({ addr: 0x0a600001, port: 80, proto: 6 }), true);
    assert.equal(core.size, 0);
  } finally {
    b.dispose();
    core.dispose();
  }
});
