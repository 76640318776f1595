// Model-based: any sequence of insert / delete / lookup on the ipvs service table (fixed and
// resizable) and the nftables vmap leaves them answering like a plain Map.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { MISS, Result, ServiceEntry, ServicePort, SvcbenchError } from "../src/core";
import { TsMap } from "../src/reference/map";
import { WasmBatch } from "../src/wasm/batch";
import { KeyedKind, WasmKeyedTable } from "../src/wasm/keyed";
import { arbEntry, arbWideEntry, fillPackets } from "./helpers";

const KINDS: KeyedKind[] = ["svctable-fixed", "svctable-resizable", "vmap"];
const batch = new WasmBatch(4);
after(() => batch.dispose());

interface Real {
  table: WasmKeyedTable;
}
type Model = { map: TsMap };

function lookupOne(t: { lookup: TsMap["lookup"] }, k: ServicePort): number {
  fillPackets(batch, [{ daddr: k.addr, dport: k.port, proto: k.proto }]);
  t.lookup(batch, 0, 1);
  return batch.out[0];
}

class Insert implements fc.Command<Model, Real> {
  constructor(readonly e: ServiceEntry) {}
  check = () => true;
  run(m: Model, r: Real): void {
    assert.equal(r.table.insert(this.e), m.map.insert(this.e));
    assert.equal(r.table.size, m.map.size);
  }
  toString = () => `insert(${this.e.addr}:${this.e.port}/${this.e.proto}->${this.e.target})`;
}

class Delete implements fc.Command<Model, Real> {
  constructor(readonly k: ServicePort) {}
  check = () => true;
  run(m: Model, r: Real): void {
    assert.equal(r.table.delete(this.k), m.map.delete(this.k));
    assert.equal(r.table.size, m.map.size);
  }
  toString = () => `delete(${this.k.addr}:${this.k.port}/${this.k.proto})`;
}

class Lookup implements fc.Command<Model, Real> {
  constructor(readonly k: ServicePort) {}
  check = () => true;
  run(m: Model, r: Real): void {
    assert.equal(lookupOne(r.table, this.k), lookupOne(m.map, this.k));
  }
  toString = () => `lookup(${this.k.addr}:${this.k.port}/${this.k.proto})`;
}

const commands = (entry: fc.Arbitrary<ServiceEntry>) => [
  entry.map((e) => new Insert(e)),
  entry.map((e) => new Insert(e)),
  entry.map((e) => new Delete(e)),
  entry.map((e) => new Lookup(e)),
];

for (const kind of KINDS) {
  test(`${kind}: random insert/delete/lookup sequences match a Map (few keys: collisions, repeats)`, () => {
    fc.assert(
      fc.property(fc.commands(commands(arbEntry()), { maxCommands: 200 }), (cmds) => {
        const real = { table: new WasmKeyedTable(kind) };
        try {
          fc.modelRun(() => ({ model: { map: new TsMap() }, real }), cmds);
        } finally {
          real.table.dispose();
        }
      }),
      { numRuns: 100 },
    );
  });

  test(`${kind}: long sequences over many keys cross growth and deletion shifts`, () => {
    fc.assert(
      fc.property(fc.commands(commands(arbWideEntry), { size: "large", maxCommands: 1500 }), (cmds) => {
        const real = { table: new WasmKeyedTable(kind) };
        try {
          fc.modelRun(() => ({ model: { map: new TsMap() }, real }), cmds);
        } finally {
          real.table.dispose();
        }
      }),
      { numRuns: 15 },
    );
  });

  test(`${kind}: a full table refuses one more entry with a clear error and keeps what it had`, () => {
    const t = new WasmKeyedTable(kind, 3);
    const ref = new TsMap(3);
    try {
      for (let i = 0; i < 3; i++) {
        const e = { addr: 0x0a600000 + i, port: 80, proto: 6, target: i };
        assert.equal(t.insert(e), Result.OK);
        ref.insert(e);
      }
      const extra = { addr: 0x0a600009, port: 80, proto: 6, target: 9 };
      for (const table of [t, ref]) {
        assert.throws(
          () => table.insert(extra),
          (err: unknown) => err instanceof SvcbenchError && err.code === Result.FULL && /full/.test(err.message),
        );
        assert.equal(table.size, 3);
      }
      assert.equal(
        t.insert({ addr: 0x0a600001, port: 80, proto: 6, target: 7 }),
        Result.EXISTS,
        "a present key is still EXISTS",
      );
      assert.equal(lookupOne(t, { addr: 0x0a600002, port: 80, proto: 6 }), 2);
      assert.equal(lookupOne(t, extra), MISS);
    } finally {
      t.dispose();
    }
  });

  test(`${kind}: a protocol a Service cannot carry is refused by name`, () => {
    const t = new WasmKeyedTable(kind);
    try {
      assert.throws(
        () => t.insert({ addr: 1, port: 80, proto: 1, target: 0 }),
        /proto must be TCP \(6\), UDP \(17\) or SCTP \(132\), got 1/,
      );
      assert.throws(
        () => t.insert({ addr: 1, port: 70000, proto: 6, target: 0 }),
        /port must be an integer in 0\.\.65535, got 70000/,
      );
      assert.equal(t.size, 0);
    } finally {
      t.dispose();
    }
  });
}

test("svctable-fixed keeps the kernel's 256 buckets and its hash (proto ^ addr ^ (port >> 8) ^ port) & 255", () => {
  const t = new WasmKeyedTable("svctable-fixed");
  try {
    const keys: ServiceEntry[] = [];
    for (let i = 0; i < 3000; i++)
      keys.push({
        addr: 0x0a600000 + ((i * 2654435761) >>> 12),
        port: (i * 7919) & 0xffff,
        proto: i % 2 ? 6 : 17,
        target: i,
      });
    const expect = new Array(256).fill(0);
    for (const k of keys) {
      if (t.insert(k) === Result.OK) expect[(k.proto ^ k.addr ^ (k.port >>> 8) ^ k.port) & 255]++;
    }
    assert.equal(t.buckets, 256);
    assert.deepEqual(Array.from(t.chainLengths()), expect);
  } finally {
    t.dispose();
  }
});

test("svctable-resizable doubles its buckets as entries pass them, up to 2^20", () => {
  const t = new WasmKeyedTable("svctable-resizable");
  try {
    assert.equal(t.buckets, 16);
    for (let i = 0; i < 17; i++) t.insert({ addr: 0x0a600000 + i, port: 80, proto: 6, target: i });
    assert.equal(t.buckets, 32);
    for (let i = 17; i < 5000; i++) t.insert({ addr: 0x0a600000 + i, port: 80, proto: 6, target: i });
    assert.equal(t.buckets, 8192);
    const lengths = t.chainLengths();
    assert.equal(
      lengths.reduce((a, b) => a + b, 0),
      5000,
    );
    assert.ok(Math.max(...lengths) <= 8, `longest chain ${Math.max(...lengths)}`);
  } finally {
    t.dispose();
  }
});
