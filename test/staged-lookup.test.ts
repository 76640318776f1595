// The staged batch lookups (groups of G packets) answer exactly as the plain probe and a Map, at
// any start and count (groups cut short, ranges across group edges), for every group size; the
// memory each table reports; and a table whose memory cannot grow refuses with its code, unchanged.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { MISS, Result, ServiceEntry, SvcbenchError } from "../src/core";
import { TsMap } from "../src/reference/map";
import { WasmBatch } from "../src/wasm/batch";
import { WasmDram } from "../src/wasm/dram";
import { KeyedKind, WasmKeyedTable } from "../src/wasm/keyed";
import { wasm } from "../src/wasm/module";
import { arbPacketFor, arbWideEntry, fillPackets } from "./helpers";

const KINDS: KeyedKind[] = ["svctable-fixed", "svctable-resizable", "vmap"];
const GROUPS = [4, 8, 16, 32];
const CAP = 300;
const batch = new WasmBatch(CAP);
after(() => batch.dispose());

function build(kind: KeyedKind, entries: readonly ServiceEntry[]): WasmKeyedTable {
  const t = new WasmKeyedTable(kind);
  for (const e of entries) t.insert(e);
  return t;
}

const answers = (run: () => void, start: number, count: number) => {
  batch.out.fill(0xdeadbeef);
  run();
  return Array.from(batch.out.subarray(start, start + count));
};

test("staged lookups answer as the plain probe and a Map for any start, count and group size", () => {
  const sizes = fc.constantFrom(0, 1, 11, 12, 13, 24, 25, 49, 97, 200, 700);
  const sets = sizes.chain((n) => fc.array(arbWideEntry, { minLength: n, maxLength: n }));
  const cases = sets.chain((es) =>
    fc.tuple(
      fc.constant(es),
      fc.array(arbPacketFor(es), { minLength: CAP, maxLength: CAP }),
      fc.nat(CAP).chain((start) => fc.tuple(fc.constant(start), fc.nat(CAP - start))),
    ),
  );
  fc.assert(
    fc.property(cases, ([entries, packets, [start, count]]) => {
      fillPackets(batch, packets);
      const map = new TsMap();
      for (const e of entries) map.insert(e);
      const expect = answers(() => map.lookup(batch, start, count), start, count);
      for (const kind of KINDS) {
        const t = build(kind, entries);
        try {
          assert.deepEqual(
            answers(() => t.lookup(batch, start, count), start, count),
            expect,
            `${kind} staged`,
          );
          assert.deepEqual(
            answers(() => t.lookupPlain(batch, start, count), start, count),
            expect,
            `${kind} plain`,
          );
          for (const g of GROUPS)
            assert.deepEqual(
              answers(() => t.lookupGroup(batch, start, count, g), start, count),
              expect,
              `${kind} G=${g}`,
            );
        } finally {
          t.dispose();
        }
      }
    }),
    { numRuns: 60 },
  );
});

test("past L2 size the batch lookup is staged, with the plain probe's answers (hits and misses, ranges across groups)", () => {
  const entries = Array.from({ length: 20000 }, (_, i) => ({
    addr: 0x0a600000 + i * 7,
    port: 80 + (i % 5),
    proto: i % 3 ? 6 : 17,
    target: i,
  }));
  fillPackets(
    batch,
    Array.from({ length: CAP }, (_, i) => {
      const e = entries[(i * 7919) % entries.length];
      return i % 4 === 3
        ? { daddr: e.addr + 1, dport: e.port, proto: e.proto }
        : { daddr: e.addr, dport: e.port, proto: e.proto };
    }),
  );
  for (const kind of ["svctable-resizable", "vmap"] as const) {
    const t = build(kind, entries);
    try {
      assert.ok(t.bytes >= wasm().stage_from_bytes(), `${kind} holds ${t.bytes} bytes: big enough to stage`);
      for (const [start, count] of [
        [0, CAP],
        [5, 250],
        [31, 33],
      ]) {
        const plain = answers(() => t.lookupPlain(batch, start, count), start, count);
        assert.ok(plain.some((v) => v === MISS) && plain.some((v) => v !== MISS));
        assert.deepEqual(
          answers(() => t.lookup(batch, start, count), start, count),
          plain,
          `${kind} ${start}+${count}`,
        );
      }
    } finally {
      t.dispose();
    }
  }
});

test("a staged lookup writes only its own range and leaves the packets around it alone", () => {
  const entries = Array.from({ length: 50 }, (_, i) => ({ addr: 0x0a600000 + i, port: 80, proto: 6, target: i }));
  fillPackets(
    batch,
    Array.from({ length: CAP }, (_, i) => ({ daddr: 0x0a600000 + (i % 60), dport: 80, proto: 6 })),
  );
  for (const kind of KINDS) {
    const t = build(kind, entries);
    try {
      for (const g of GROUPS) {
        batch.out.fill(7);
        t.lookupGroup(batch, 33, 37, g); // across group edges, ending inside a group
        assert.deepEqual(Array.from(batch.out.subarray(30, 33)), [7, 7, 7], `${kind} G=${g}`);
        assert.deepEqual(Array.from(batch.out.subarray(70, 73)), [7, 7, 7], `${kind} G=${g}`);
        assert.deepEqual(
          Array.from(batch.out.subarray(33, 70)),
          Array.from({ length: 37 }, (_, j) => ((33 + j) % 60 < 50 ? (33 + j) % 60 : MISS)),
          `${kind} G=${g}`,
        );
      }
    } finally {
      t.dispose();
    }
  }
});

test("a group size the staged exports are not built for, or a range past the batch, is refused by name", () => {
  const t = build("vmap", []);
  try {
    assert.throws(
      () => t.lookupGroup(batch, 0, 10, 5),
      (e: unknown) => e instanceof SvcbenchError && /groups of 5: a size or range is out of bounds/.test(e.message),
    );
    assert.throws(() => t.lookup(batch, CAP - 2, 3), /packets 298\.\.301: a size or range is out of bounds/);
  } finally {
    t.dispose();
  }
});

test("each table reports the bytes it holds, and the most it held while growing", () => {
  const v = build(
    "vmap",
    Array.from({ length: 1000 }, (_, i) => ({ addr: 0x0a600000 + i, port: 80, proto: 6, target: i })),
  );
  const r = build(
    "svctable-resizable",
    Array.from({ length: 1000 }, (_, i) => ({ addr: 0x0a600000 + i, port: 80, proto: 6, target: i })),
  );
  try {
    // vmap: 2048 slots of 16 bytes, and while doubling from 1024 it held both.
    assert.equal(v.buckets, 2048);
    assert.ok(v.bytes >= 2048 * 16 && v.bytes < 2048 * 16 + 64, `${v.bytes}`);
    assert.equal(v.peakBytes, v.bytes + 1024 * 16);
    // resizable svctable: 1024 heads of 4 bytes, 1024 entries of 16.
    assert.equal(r.buckets, 1024);
    assert.ok(r.bytes >= 1024 * 4 + 1024 * 16 && r.bytes < 1024 * 20 + 64, `${r.bytes}`);
    assert.ok(r.peakBytes > r.bytes, "growing the entries held old and new");
  } finally {
    v.dispose();
    r.dispose();
  }
});

/** Runs fn while linear memory may not grow past what it has now. */
function withoutGrowth(fn: () => void): void {
  const w = wasm();
  w.memory_max_pages(w.memory_max_pages(0));
  try {
    fn();
  } finally {
    w.memory_max_pages(0);
  }
}

for (const kind of KINDS) {
  test(`${kind}: when memory cannot grow, an insert that needs more is refused (NO_MEMORY) and the table is unchanged`, () => {
    const t = new WasmKeyedTable(kind);
    const ref = new TsMap();
    const entry = (i: number) => ({ addr: 0x0a600000 + i, port: 80 + (i & 3), proto: 6, target: i });
    try {
      let i = 0;
      // Fill to the edge of the next growth: 12 of 16 vmap slots, 64 svctable entries.
      const edge = kind === "vmap" ? 12 : 64;
      for (; i < edge; i++) {
        t.insert(entry(i));
        ref.insert(entry(i));
      }
      const buckets = t.buckets,
        bytes = t.bytes;
      withoutGrowth(() => {
        assert.throws(
          () => t.insert(entry(i)),
          (e: unknown) =>
            e instanceof SvcbenchError &&
            e.code === Result.NO_MEMORY &&
            /WebAssembly memory cannot grow/.test(e.message),
        );
        assert.equal(t.size, edge);
        assert.equal(t.buckets, buckets);
        assert.equal(t.bytes, bytes);
        assert.equal(t.insert(entry(0)), Result.EXISTS, "a present key is still EXISTS");
        assert.ok(t.delete(entry(1)), "deleting needs no memory");
        ref.delete(entry(1));
        assert.equal(t.insert(entry(1)), Result.OK, "an insert into room already held needs no memory");
        ref.insert(entry(1));
      });
      const probe = Array.from({ length: edge + 4 }, (_, j) => ({
        daddr: entry(j).addr,
        dport: entry(j).port,
        proto: 6,
      }));
      fillPackets(batch, probe);
      assert.deepEqual(
        answers(() => t.lookup(batch, 0, probe.length), 0, probe.length),
        answers(() => ref.lookup(batch, 0, probe.length), 0, probe.length),
      );
      assert.equal(t.insert(entry(i)), Result.OK, "with memory back, the same insert succeeds");
    } finally {
      t.dispose();
    }
  });
}

test("the DRAM roofline buffer: reads for any group of chases, and a clear error when memory cannot hold it", () => {
  const d = new WasmDram(1 << 16, 1);
  try {
    for (const g of [1, 4, 16, 32]) assert.equal(typeof d.read(1000, g), "number");
    assert.equal(d.read(10, 0), 0);
    assert.equal(d.read(10, 33), 0);
  } finally {
    d.dispose();
  }
  withoutGrowth(() =>
    assert.throws(() => new WasmDram(1 << 20, 1), /a 1048576-byte read buffer: WebAssembly memory cannot grow/),
  );
});
