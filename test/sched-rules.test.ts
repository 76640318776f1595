// The kernel's scheduler rules case by case and by invariant, on the WASM cores and the TS twins alike:
// list order, ties, weight 0 and overload, rr rounds, wrr interleaving and shares, the << 8 overhead,
// exact cross-multiplication, dh / sh table fill, hashing stability, Maglev balance and disruption.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { Result, SvcbenchError } from "../src/core";
import {
  DestSpec,
  IP_VS_DEST_F_OVERLOAD,
  IP_VS_MH_TAB_SIZE,
  IP_VS_SVC_F_SCHED_FALLBACK,
  IpvsService,
  NO_DEST,
  SCHEDULERS,
  SchedulerName,
  UNKNOWN_SCHED,
} from "../src/ipvs";
import { hsiphash_1u32 } from "../src/reference/hash";
import { WasmBatch } from "../src/wasm/batch";
import { wasm } from "../src/wasm/module";
import { picks, pods, Pkt, twins } from "./ipvs-fixtures";

const batch = new WasmBatch(4096);
after(() => batch.dispose());

/** Runs check on the WASM service and on the TS twin. */
function both(name: SchedulerName, dests: readonly DestSpec[], check: (s: IpvsService) => void, flags = 0): void {
  const [w, t] = twins(name, flags, dests);
  try {
    for (const s of [w, t]) check(s);
  } finally {
    w.dispose();
  }
}

const addrOf = (s: IpvsService, id: number): number => s.dest(id).addr;
const pkt = (i: number): Pkt => ({ saddr: 0x0a000000 + i, sport: 1024 + (i % 50000), daddr: 0x0a600000 + i });
const clients = (n: number, seed = 0): Pkt[] =>
  Array.from({ length: n }, (_, i) => pkt(Math.imul(i + seed, 2654435761) >>> 8));
const availableIds = (s: IpvsService): number[] =>
  s.ids().filter((id) => {
    const d = s.dest(id);
    return d.weight > 0 && (d.flags & IP_VS_DEST_F_OVERLOAD) === 0;
  });

test("hsiphash is lib/siphash.c's 64-bit SipHash-1-3: test_siphash.c's vector for hsiphash_1u32", () => {
  const k0 = 0x0706050403020100n,
    k1 = 0x0f0e0d0c0b0a0908n;
  assert.equal(wasm().hsiphash_1u32(0x03020100, k0, k1) >>> 0, 0x88d38328);
  assert.equal(hsiphash_1u32(0x03020100, 0x07060504, 0x03020100, 0x0f0e0d0c, 0x0b0a0908), 0x88d38328);
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), u64, u64, (x, a, b) => {
      const h = (v: bigint) => [Number(v >> 32n), Number(v & 0xffffffffn)] as const;
      assert.equal(wasm().hsiphash_1u32(x, a, b) >>> 0, hsiphash_1u32(x, ...h(a), ...h(b)));
    }),
    { numRuns: 200 },
  );
});

test("the dest list runs newest first (list_add_rcu at the head)", () => {
  both("rr", pods(3), (s) =>
    assert.deepEqual(
      s.ids().map((id) => addrOf(s, id)),
      [0x0af40003, 0x0af40002, 0x0af40001],
    ),
  );
});

test("ties go to the first dest in list order (lc, wlc, sed, nq) and rr starts at the head", () => {
  for (const name of ["lc", "wlc", "sed", "nq", "rr"] as const) {
    both(name, pods(4), (s) => {
      for (const id of s.ids()) s.setConns(id, 3, 5, false);
      assert.equal(picks(s, batch, [pkt(1)])[0], s.ids()[0], `${name}: ${s.impl}`);
    });
  }
});

test("weight-0 and overloaded dests are never picked; NO_DEST only when none is available", () => {
  const arbDests = fc.array(
    fc.record({ weight: fc.nat(3), overloaded: fc.boolean(), active: fc.nat(5), inact: fc.nat(5) }),
    { maxLength: 8 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...SCHEDULERS), arbDests, fc.boolean(), (name, ds, fallback) => {
      const flags = fallback ? IP_VS_SVC_F_SCHED_FALLBACK : 0;
      both(
        name,
        pods(ds.length, (i) => ds[i].weight),
        (s) => {
          s.ids().forEach((id) => {
            const d = ds[ds.length - 1 - s.ids().indexOf(id)];
            s.setConns(id, d.active, d.inact, d.overloaded);
          });
          const ok = new Set(availableIds(s));
          const out = picks(s, batch, clients(40), true);
          for (const id of out) assert.ok(id === NO_DEST || ok.has(id), `${name} picked ${id}`);
          const complete = !["dh", "sh", "mh"].includes(name) || (name === "sh" && fallback);
          if (complete && ok.size > 0) assert.ok(!out.includes(NO_DEST), `${name} gave NO_DEST with dests available`);
          if (ok.size === 0) assert.ok(out.every((id) => id === NO_DEST));
        },
        flags,
      );
    }),
    { numRuns: 150 },
  );
});

test("rr visits every live dest exactly once per round, in list order, and continues past a deleted one", () => {
  fc.assert(
    fc.property(fc.array(fc.nat(2), { minLength: 1, maxLength: 9 }), fc.nat(20), (weights, skip) => {
      both(
        "rr",
        pods(weights.length, (i) => weights[i]),
        (s) => {
          const live = availableIds(s);
          picks(s, batch, clients(skip)); // anywhere in a round
          const round = picks(s, batch, clients(live.length * 2));
          const first = round.slice(0, live.length);
          assert.deepEqual([...first].sort(), [...live].sort());
          assert.deepEqual(round.slice(live.length), first);
        },
      );
    }),
    { numRuns: 100 },
  );
  both("rr", pods(4), (s) => {
    const [a, b] = picks(s, batch, clients(2)); // list 4 3 2 1: picks 4, 3
    s.delDest(addrOf(s, b), 8080); // the cursor's dest goes: it steps back to 4
    assert.deepEqual(
      picks(s, batch, clients(3)).map((id) => addrOf(s, id) & 0xff),
      [2, 1, 4],
    );
    assert.equal(addrOf(s, a) & 0xff, 4);
  });
});

test("wrr {4,3,2} gives the kernel's interleaving A A B A B C A B C, not smooth WRR", () => {
  // Added C, B, A so that the list reads A, B, C; a fresh init (a switch from another) starts the cycle at cw = mw.
  const dests = [
    { addr: 3, port: 80, weight: 2 },
    { addr: 2, port: 80, weight: 3 },
    { addr: 1, port: 80, weight: 4 },
  ];
  both("rr", dests, (s) => {
    s.setScheduler("wrr");
    const names = picks(s, batch, clients(18))
      .map((id) => "_ABC"[addrOf(s, id)])
      .join("");
    assert.equal(names, "AABABCABC".repeat(2));
  });
});

test("wrr: over one cycle each dest is picked weight / gcd times (equal weights share equally)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(1, 2, 3),
      (ws, k) => {
        const weights = ws.map((w) => w * k);
        const g = weights.reduce((a, b) => {
          while (b) [a, b] = [b, a % b];
          return a;
        });
        both(
          "rr",
          pods(weights.length, (i) => weights[i]),
          (s) => {
            s.setScheduler("wrr");
            const cycle = weights.reduce((a, w) => a + w / g, 0);
            const counts = new Map<number, number>();
            for (const id of picks(s, batch, clients(cycle))) counts.set(id, (counts.get(id) ?? 0) + 1);
            for (const id of s.ids()) assert.equal(counts.get(id), s.dest(id).weight / g);
          },
        );
      },
    ),
    { numRuns: 100 },
  );
});

test("lc weighs an active connection as 256 inactive ones ((activeconns << 8) + inactconns, not << 5)", () => {
  both("lc", pods(2), (s) => {
    const [a, b] = s.ids();
    s.setConns(a, 1, 0, false);
    for (const [inact, expect] of [
      [255, b],
      [256, a],
      [257, a],
      [31, b],
    ] as const) {
      s.setConns(b, 0, inact, false);
      assert.equal(picks(s, batch, [pkt(0)])[0], expect, `inactconns ${inact}`);
    }
  });
});

/** The kernel's choice by exact rationals: least overhead / weight, first on ties (BigInt oracle). */
function oracle(ds: { weight: number; active: number; inact: number }[], sed: boolean): number {
  let best = -1;
  const oh = (i: number) => (sed ? BigInt(ds[i].active) + 1n : (BigInt(ds[i].active) << 8n) + BigInt(ds[i].inact));
  for (let i = 0; i < ds.length; i++) {
    if (ds[i].weight === 0) continue;
    if (best < 0 || oh(best) * BigInt(ds[i].weight) > oh(i) * BigInt(ds[best].weight)) best = i;
  }
  return best;
}

test("wlc and sed compare by exact 64-bit cross-multiplication at counts up to 2^32 - 1", () => {
  const big = fc.oneof(fc.constantFrom(0xffffffff, 0xfffffffe, 0x80000000), fc.nat({ max: 0xffffffff }));
  const arbDest = fc.record({
    weight: fc.oneof(fc.constantFrom(65535, 65534, 1), fc.nat(65535)),
    active: big,
    inact: big,
  });
  fc.assert(
    fc.property(
      fc.constantFrom("wlc" as const, "sed" as const),
      fc.array(arbDest, { minLength: 1, maxLength: 5 }),
      (name, ds) => {
        both(
          name,
          pods(ds.length, (i) => ds[ds.length - 1 - i].weight),
          (s) => {
            const ids = s.ids(); // newest first: list position i holds ds[i]
            ids.forEach((id, i) => s.setConns(id, ds[i].active, ds[i].inact, false));
            const expect = oracle(ds, name === "sed");
            assert.equal(picks(s, batch, [pkt(0)])[0], expect < 0 ? NO_DEST : ids[expect], `${name} ${s.impl}`);
          },
        );
      },
    ),
    { numRuns: 300 },
  );
});

test("nq: the first idle dest wins at once, even before a faster busy one", () => {
  both(
    "nq",
    [
      { addr: 1, port: 80, weight: 1 },
      { addr: 2, port: 80, weight: 100 },
    ],
    (s) => {
      const [fast, slow] = s.ids(); // list: 2 (w 100), 1 (w 1)
      s.setConns(fast, 1, 0, false);
      assert.equal(picks(s, batch, [pkt(0)])[0], slow);
      s.setConns(slow, 1, 0, false);
      assert.equal(picks(s, batch, [pkt(0)])[0], fast); // both busy: (1+1)/100 beats (1+1)/1
    },
  );
});

test("dh fills its 256 buckets round robin in list order; the key is the destination address", () => {
  both("dh", pods(3), (s) => {
    const ids = s.ids();
    assert.deepEqual(
      Array.from(s.table()!),
      Array.from({ length: 256 }, (_, i) => ids[i % 3]),
    );
    const p: Pkt = { saddr: 1, sport: 2, daddr: 0x0a600005 };
    const bucket = kernelDhBucket(p.daddr);
    assert.equal(picks(s, batch, [p, { ...p, saddr: 99, sport: 7 }]).join(), [ids[bucket % 3], ids[bucket % 3]].join());
  });
});

/** ip_vs_dh_hashkey of current kernels: hash_32(ntohl(addr), 8), the top 8 bits of addr * 0x61C88647 mod 2^32. */
const kernelDhBucket = (addr: number) => Number(((BigInt(addr) * 0x61c88647n) % 2n ** 32n) >> 24n);

test("dh buckets are hash_32 of the destination address: addresses sharing a last octet spread out", () => {
  // 10.96.0.10, 10.97.5.10 and 192.168.7.10 share bucket 234 under the old (addr * 2654435761) & 255.
  const addrs = [0x0a60000a, 0x0a61050a, 0xc0a8070a];
  assert.deepEqual(addrs.map(kernelDhBucket), [242, 99, 172]);
  both("dh", pods(256), (s) => {
    const ids = s.ids();
    const probes = [...addrs, 0, 1, 0x0a600005, 0x7fffffff, 0x80000000, 0xffffffff];
    for (const daddr of probes) {
      assert.equal(
        picks(s, batch, [{ saddr: 1, sport: 2, daddr }])[0],
        ids[kernelDhBucket(daddr)],
        `daddr ${daddr.toString(16)}`,
      );
    }
  });
});

test("sh fills buckets weight by weight in list order (weight 0 still takes one)", () => {
  both(
    "sh",
    [
      { addr: 1, port: 80, weight: 3 },
      { addr: 2, port: 80, weight: 0 },
      { addr: 3, port: 80, weight: 2 },
    ],
    (s) => {
      const [c, b, a] = s.ids(); // list: 3 (w 2), 2 (w 0), 1 (w 3)
      const cycle = [c, c, b, a, a, a];
      assert.deepEqual(
        Array.from(s.table()!),
        Array.from({ length: 256 }, (_, i) => cycle[i % 6]),
      );
    },
  );
});

test("dh, sh and mh map each flow to the same dest for a fixed set, whatever else is picked", () => {
  for (const name of ["dh", "sh", "mh"] as const) {
    both(
      name,
      pods(7, (i) => 1 + (i % 3)),
      (s) => {
        const ps = clients(500);
        const first = picks(s, batch, ps, true);
        picks(s, batch, clients(2000, 7), true);
        assert.deepEqual(picks(s, batch, ps, true), first, name);
      },
    );
  }
});

test("mh: equal weights share the 4093 slots within one; weights share in proportion", () => {
  both("mh", pods(10), (s) => {
    const counts = new Map<number, number>();
    for (const id of s.table()!) counts.set(id, (counts.get(id) ?? 0) + 1);
    const c = [...counts.values()];
    assert.equal(
      c.reduce((a, b) => a + b),
      IP_VS_MH_TAB_SIZE,
    );
    assert.ok(Math.max(...c) - Math.min(...c) <= 1, c.join());
  });
  both(
    "mh",
    [
      { addr: 1, port: 80, weight: 1 },
      { addr: 2, port: 80, weight: 3 },
    ],
    (s) => {
      const heavy = s.table()!.filter((id) => addrOf(s, id) === 2).length / IP_VS_MH_TAB_SIZE;
      assert.ok(Math.abs(heavy - 0.75) < 0.01, String(heavy));
    },
  );
});

/** Share of flows whose dest changed between two pick lists. */
const moved = (a: number[], b: number[]): number => a.filter((x, i) => x !== b[i]).length / a.length;

test("mh moves at most 2/N of flows when one of N dests goes or comes, while M = 4093 >= 100 N", () => {
  const ps = clients(4000, 3);
  for (const n of [10, 25, 40]) {
    both("mh", pods(n), (s) => {
      const before = picks(s, batch, ps);
      s.delDest(0x0af40001 + (n >> 1), 8080);
      const afterDel = picks(s, batch, ps);
      assert.ok(moved(before, afterDel) <= 2 / n, `${n} dests, one removed: ${moved(before, afterDel)}`);
      s.addDest({ addr: 0x0af40001 + (n >> 1), port: 8080, weight: 1 });
      const afterAdd = picks(s, batch, ps);
      assert.ok(moved(afterDel, afterAdd) <= 2 / n, `${n - 1} dests, one added: ${moved(afterDel, afterAdd)}`);
    });
  }
});

test("past M / N = 100 the fixed table moves more (about 4/N at N = 100), still far below dh and sh", () => {
  const ps = clients(4000, 5),
    n = 100;
  const share: Record<string, number> = {};
  for (const name of ["dh", "sh", "mh"] as const) {
    both(name, pods(n), (s) => {
      const before = picks(s, batch, ps);
      s.delDest(0x0af40001 + (n >> 1), 8080);
      share[name] = moved(before, picks(s, batch, ps));
    });
  }
  assert.ok(share.mh > 2 / n && share.mh < 6 / n, `mh: ${share.mh}`);
  assert.ok(share.dh > 0.5 && share.sh > 0.5, JSON.stringify(share));
});

test("mh keeps a quiesced (weight 0) dest's slots: no dest there, or the fallback's rehash", () => {
  both("mh", pods(5), (s) => {
    const table = Array.from(s.table()!);
    const victim = s.ids()[2];
    s.editDest({ addr: addrOf(s, victim), port: 8080, weight: 0 });
    assert.deepEqual(Array.from(s.table()!), table, "last_weight keeps the table");
    const ps = clients(300),
      out = picks(s, batch, ps);
    assert.ok(out.includes(NO_DEST) && !out.includes(victim));
    s.setScheduler("mh", IP_VS_SVC_F_SCHED_FALLBACK);
    const fb = picks(s, batch, ps);
    assert.ok(!fb.includes(NO_DEST) && !fb.includes(victim));
    fb.forEach((id, i) => {
      if (out[i] !== NO_DEST) assert.equal(id, out[i]);
    });
  });
});

test("overload: a dest with u_threshold stops taking picks once active + inactive reaches it", () => {
  for (const name of SCHEDULERS) {
    both(name, [{ addr: 1, port: 80, weight: 1, u_threshold: 3 }], (s) => {
      const out = picks(
        s,
        batch,
        Array.from({ length: 5 }, () => pkt(1)),
        true,
      );
      assert.deepEqual(
        out.map((x) => x === NO_DEST),
        [false, false, false, true, true],
        name,
      );
      assert.ok(s.dest(s.ids()[0]).flags & IP_VS_DEST_F_OVERLOAD);
    });
  }
});

test("an unknown scheduler is a named error and the service keeps its scheduler; bad dests are refused", () => {
  both("wlc", pods(2), (s) => {
    assert.throws(
      () => s.setScheduler("fo" as SchedulerName),
      (e: unknown) =>
        e instanceof SvcbenchError && (e.code as number) === UNKNOWN_SCHED && /no such scheduler/.test(e.message),
    );
    assert.equal(s.scheduler, "wlc");
    assert.throws(() => s.addDest({ addr: 9, port: 80, weight: 65536 }), /weight an integer 0\.\.65535/);
    assert.throws(
      () => s.addDest({ addr: 9, port: 80, weight: 1, u_threshold: 2, l_threshold: 3 }),
      (e: unknown) => e instanceof SvcbenchError && e.code === Result.BAD_ARG,
    );
    assert.equal(s.addDest(pods(1)[0]), Result.EXISTS);
    assert.equal(s.size, 2);
  });
});
