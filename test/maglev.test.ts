// Cilium's Maglev (assembly/ebpf/maglev.ts, cilium pkg/maglev/maglev.go): murmur3 Hash128 against the
// reference vectors, WASM tables and picks equal to the TS twin, every backend holding M/n slots give or
// take one (one slot a turn), few flows moving when one backend goes, bad sizes refused in one line.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Backend, MAGLEV_DEFAULT_M, maglevOrder, maglevSeeds } from "../src/ebpf/lb4";
import { maglevPick, maglevTable } from "../src/reference/ebpf/maglev";
import { hash128 } from "../src/reference/ebpf/murmur3";
import { WasmBatch } from "../src/wasm/batch";
import { WasmMaglev } from "../src/wasm/ebpf";
import { wasm, Words } from "../src/wasm/module";

const seeds = maglevSeeds();
const backends = (addrs: number[]): Backend[] =>
  maglevOrder([...new Set(addrs)].map((a) => ({ addr: (0x0a800000 + a) >>> 0, port: 8080 })));

test("murmur3 Hash128 gives smhasher's MurmurHash3_x64_128 vectors, in WASM too", () => {
  const hex = (s: string, seed = 0) => hash128(Buffer.from(s), seed).map((h) => h.toString(16));
  assert.deepEqual(hex(""), ["0", "0"]);
  assert.deepEqual(hex("hello"), ["cbd8a7b341bd9b02", "5b1e906a48ae1d19"]);
  assert.deepEqual(hex("The quick brown fox jumps over the lazy dog"), ["e34bbc7bbc071b6c", "7a433ca9c49a9347"]);
  const out = new Words(4);
  try {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffff), fc.nat(0xffffffff), (addr, port, seed) => {
        const len = wasm().maglev_name_hash(addr, port, seed, out.ptr);
        const name = `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}:${port}`;
        assert.equal(len, name.length);
        const [h1, h2] = hash128(Buffer.from(name), seed);
        const w = out.words;
        assert.deepEqual(
          [w[0], w[1], w[2], w[3]],
          [Number(h1 & 0xffffffffn), Number(h1 >> 32n), Number(h2 & 0xffffffffn), Number(h2 >> 32n)],
        );
      }),
    );
  } finally {
    out.dispose();
  }
  assert.deepEqual(
    seeds,
    { murmur: 0x24b7ef82, jhash4: 0x71dcda46 },
    "pkg/maglev DefaultHashSeed decoded as maglev.Init does",
  );
  assert.throws(() => maglevSeeds("short"), /not 12 bytes of base64/);
});

test("WASM tables and picks equal the twin's; each backend holds floor or ceil of M/n slots", () => {
  const flows = new WasmBatch(256);
  try {
    fc.assert(
      fc.property(
        fc.constantFrom(251, 509, 1021),
        fc.uniqueArray(fc.nat(5000), { minLength: 1, maxLength: 60 }),
        fc.nat(0xffffffff),
        (m, addrs, salt) => {
          const bs = backends(addrs);
          const ts = maglevTable(bs, m, seeds.murmur);
          const w = new WasmMaglev(m, bs, seeds);
          try {
            assert.deepEqual(w.entries(), ts);
            const held = new Array<number>(bs.length).fill(0);
            for (const i of ts) held[i]++;
            assert.ok(
              Math.max(...held) - Math.min(...held) <= 1,
              `slots per backend ${Math.min(...held)}..${Math.max(...held)}`,
            );
            for (let k = 0; k < flows.capacity; k++) {
              flows.saddr[k] = (salt * (k + 1)) >>> 0;
              flows.sport[k] = (k * 7919) & 0xffff;
              flows.dport[k] = 80;
              flows.proto[k] = 6;
            }
            w.pick(flows, 0, flows.capacity);
            for (let k = 0; k < flows.capacity; k++)
              assert.equal(flows.out[k], maglevPick(ts, flows.saddr[k], flows.sport[k], 80, 6, seeds.jhash4));
          } finally {
            w.dispose();
          }
        },
      ),
      { numRuns: 40 },
    );
  } finally {
    flows.dispose();
  }
});

test("the default table of 16381: one backend of 20 removed moves few slots besides its own", () => {
  const bs = backends(Array.from({ length: 20 }, (_, i) => i * 3));
  const before = maglevTable(bs, MAGLEV_DEFAULT_M, seeds.murmur);
  const gone = bs[7];
  const rest = bs.filter((b) => b !== gone);
  const after = maglevTable(rest, MAGLEV_DEFAULT_M, seeds.murmur);
  let own = 0,
    others = 0;
  for (let c = 0; c < MAGLEV_DEFAULT_M; c++) {
    const was = bs[before[c]],
      now = rest[after[c]];
    if (was === gone) own++;
    else if (was !== now) others++;
  }
  assert.ok(Math.abs(own - MAGLEV_DEFAULT_M / 20) <= 1);
  assert.ok(
    others / MAGLEV_DEFAULT_M < 0.05,
    `${((100 * others) / MAGLEV_DEFAULT_M).toFixed(1)}% of the other slots moved`,
  );
});

test("a size that is not one of Cilium's primes, no backends, or more backends than slots: one clear error", () => {
  const one = backends([1]);
  assert.throws(() => maglevTable(one, 1000, seeds.murmur), /M must be one of 251, 509/);
  assert.throws(() => new WasmMaglev(1000, one, seeds), /^SvcbenchError: maglev: 1 backends for a table of 1000/);
  assert.throws(() => new WasmMaglev(251, [], seeds), /0 backends/);
  assert.throws(
    () => maglevTable(backends(Array.from({ length: 252 }, (_, i) => i)), 251, seeds.murmur),
    /252 backends/,
  );
});
