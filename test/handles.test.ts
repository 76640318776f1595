// Every WASM host handle has one disposed state: a second dispose does nothing, any other call after
// dispose is a SvcbenchError that never reaches WASM, and no create / use / dispose sequence over all
// handle kinds changes a live handle (checked model-based against the TS twins after every step).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { ServiceEntry, SvcbenchError } from "../src/core";
import { DestSpec, SCHEDULERS, SchedulerName } from "../src/ipvs";
import { TsChain } from "../src/reference/chain";
import { TsService } from "../src/reference/ipvs";
import { TsMap } from "../src/reference/map";
import { TsRoute } from "../src/reference/route";
import { WasmBatch } from "../src/wasm/batch";
import { WasmChain } from "../src/wasm/chain";
import { WasmHandle } from "../src/wasm/handle";
import { WasmService } from "../src/wasm/ipvs";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { Words } from "../src/wasm/module";
import { WasmRoute } from "../src/wasm/route";
import { arbEntry, fillPackets } from "./helpers";

const probe = new WasmBatch(64);
after(() => probe.dispose());
const usedAfterDispose = (e: unknown) => e instanceof SvcbenchError && /used after dispose\(\)/.test(e.message);

const KINDS = [
  "svctable-fixed",
  "svctable-resizable",
  "vmap",
  "chain-scalar",
  "chain-simd",
  "service",
  "batch",
  "words",
  "route",
] as const;
type Kind = (typeof KINDS)[number];
const isTable = (k: Kind) => k === "svctable-fixed" || k === "svctable-resizable" || k === "vmap";
const isChain = (k: Kind) => k === "chain-scalar" || k === "chain-simd";
const COLUMN = 16;

/** One handle and its twin: what it must still answer while it lives. */
interface Slot {
  kind: Kind;
  real: WasmHandle;
  twin: TsMap | TsChain | TsService | TsRoute | number[];
  /** Slots a route points at (they refuse to go while it lives). */
  refs: Slot[];
  disposed: boolean;
  keys: ServiceEntry[];
}
interface World {
  slots: Slot[];
}

const live = (w: World, ok: (k: Kind) => boolean) => w.slots.filter((s) => !s.disposed && ok(s.kind));
const pick = <T>(xs: T[], i: number) => xs[i % xs.length];

function answers(t: { lookup: TsMap["lookup"] }, keys: readonly ServiceEntry[]): number[] {
  const ks = keys.slice(0, probe.capacity);
  fillPackets(
    probe,
    ks.map((k) => ({ daddr: k.addr, dport: k.port, proto: k.proto })),
  );
  t.lookup(probe, 0, ks.length);
  return Array.from(probe.out.subarray(0, ks.length));
}

const destsOf = (s: WasmService | TsService) => ({
  scheduler: s.scheduler,
  size: s.size,
  dests: s.ids().map((id) => s.dest(id)),
});

/** Every live handle still answers as its twin does. */
function checkLive(w: World): void {
  for (const s of w.slots) {
    if (s.disposed) continue;
    if (isTable(s.kind) || isChain(s.kind)) {
      const real = s.real as unknown as WasmKeyedTable | WasmChain,
        twin = s.twin as TsMap | TsChain;
      assert.equal(
        "size" in real ? real.size : (real as WasmChain).length,
        "size" in twin ? twin.size : (twin as TsChain).length,
        s.kind,
      );
      assert.deepEqual(answers(real, s.keys), answers(twin, s.keys), `${s.kind} lookups`);
    } else if (s.kind === "service") {
      assert.deepEqual(destsOf(s.real as WasmService), destsOf(s.twin as TsService));
    } else if (s.kind === "batch") {
      assert.deepEqual(Array.from((s.real as WasmBatch).daddr.subarray(0, COLUMN)), s.twin);
    } else if (s.kind === "words") {
      assert.deepEqual(Array.from((s.real as Words).words), s.twin);
    } else {
      assert.equal((s.real as WasmRoute).connections, (s.twin as TsRoute).connections, "route connections");
    }
  }
}

class Create implements fc.Command<World, World> {
  constructor(
    readonly kind: Kind,
    readonly i: number,
    readonly j: number,
  ) {}
  check = (w: World) =>
    this.kind !== "route" || (live(w, isTable).length > 0 && live(w, (k) => k === "service").length > 0);
  run(w: World): void {
    const k = this.kind;
    let slot: Slot;
    if (isTable(k))
      slot = {
        kind: k,
        real: new WasmKeyedTable(k as WasmKeyedTable["impl"]),
        twin: new TsMap(),
        refs: [],
        disposed: false,
        keys: [],
      };
    else if (isChain(k))
      slot = {
        kind: k,
        real: new WasmChain(k === "chain-simd" ? "simd" : "scalar"),
        twin: new TsChain(),
        refs: [],
        disposed: false,
        keys: [],
      };
    else if (k === "service")
      slot = { kind: k, real: new WasmService(), twin: new TsService(), refs: [], disposed: false, keys: [] };
    else if (k === "batch") {
      const b = new WasmBatch(COLUMN);
      b.daddr.fill(7);
      slot = { kind: k, real: b, twin: new Array<number>(COLUMN).fill(7), refs: [], disposed: false, keys: [] };
    } else if (k === "words") {
      const words = new Words(COLUMN);
      words.words.fill(9);
      slot = { kind: k, real: words, twin: new Array<number>(COLUMN).fill(9), refs: [], disposed: false, keys: [] };
    } else {
      const table = pick(live(w, isTable), this.i),
        svcs = live(w, (x) => x === "service");
      const chosen = [pick(svcs, this.j), pick(svcs, this.j + 1)];
      slot = {
        kind: k,
        refs: [table, ...chosen],
        disposed: false,
        keys: table.keys,
        real: new WasmRoute(
          table.real as WasmKeyedTable,
          chosen.map((s) => s.real as WasmService),
        ),
        twin: new TsRoute(
          table.twin as TsMap,
          chosen.map((s) => s.twin as TsService),
        ),
      };
    }
    w.slots.push(slot);
    checkLive(w);
  }
  toString = () => `create ${this.kind}`;
}

/** A use of one live handle, applied to it and its twin alike. */
class Use implements fc.Command<World, World> {
  constructor(
    readonly i: number,
    readonly e: ServiceEntry,
    readonly d: DestSpec,
    readonly sched: SchedulerName,
    readonly v: number,
  ) {}
  check = (w: World) => live(w, () => true).length > 0;
  run(w: World): void {
    const s = pick(
      live(w, () => true),
      this.i,
    );
    if (isTable(s.kind)) {
      const real = s.real as WasmKeyedTable,
        twin = s.twin as TsMap;
      if (this.v % 2 === 0) {
        assert.equal(real.insert(this.e), twin.insert(this.e));
        s.keys.push(this.e);
      } else assert.equal(real.delete(this.e), twin.delete(this.e));
    } else if (isChain(s.kind)) {
      (s.real as WasmChain).append(this.e);
      (s.twin as TsChain).append(this.e);
      s.keys.push(this.e);
    } else if (s.kind === "service") {
      const real = s.real as WasmService,
        twin = s.twin as TsService;
      if (this.v % 2 === 0) assert.equal(real.addDest(this.d), twin.addDest(this.d));
      else {
        real.setScheduler(this.sched);
        twin.setScheduler(this.sched);
      }
    } else if (s.kind === "batch" || s.kind === "words") {
      const col = s.kind === "batch" ? (s.real as WasmBatch).daddr : (s.real as Words).words;
      col[this.v % COLUMN] = this.e.addr;
      (s.twin as number[])[this.v % COLUMN] = this.e.addr;
    } else {
      const outs = [s.real as WasmRoute, s.twin as TsRoute].map((r) => {
        fillPackets(probe, [{ daddr: this.e.addr, dport: this.e.port, proto: this.e.proto }]);
        probe.saddr[0] = 0x0a000001 + (this.v % 4);
        probe.sport[0] = 40000;
        r.route(probe, 0, 1, 0);
        return probe.out[0];
      });
      assert.equal(outs[0], outs[1], "route answers");
    }
    checkLive(w);
  }
  toString = () => `use #${this.i} (${this.v})`;
}

class Dispose implements fc.Command<World, World> {
  constructor(
    readonly i: number,
    readonly twice: boolean,
  ) {}
  check = (w: World) => w.slots.length > 0;
  run(w: World): void {
    const s = pick(w.slots, this.i);
    const heldBy = w.slots.filter((r) => !r.disposed && r.refs.includes(s));
    if (!s.disposed && heldBy.length > 0) {
      assert.throws(() => s.real.dispose(), /live route/);
      assert.equal(s.real.disposed, false);
    } else {
      s.real.dispose();
      if (this.twice) s.real.dispose();
      if (s.twin instanceof TsRoute) s.twin.dispose();
      s.disposed = true;
      assert.equal(s.real.disposed, true);
    }
    checkLive(w);
  }
  toString = () => `dispose #${this.i}${this.twice ? " twice" : ""}`;
}

/** Every call a disposed handle offers throws before WASM; live handles see nothing of it. */
class UseDisposed implements fc.Command<World, World> {
  constructor(
    readonly i: number,
    readonly e: ServiceEntry,
  ) {}
  check = (w: World) => w.slots.some((s) => s.disposed);
  run(w: World): void {
    const s = pick(
      w.slots.filter((x) => x.disposed),
      this.i,
    );
    const calls: (() => unknown)[] = [() => s.real.ptr];
    if (isTable(s.kind)) {
      const t = s.real as WasmKeyedTable;
      calls.push(
        () => t.insert(this.e),
        () => t.delete(this.e),
        () => t.size,
        () => t.buckets,
        () => t.lookup(probe, 0, 1),
      );
    } else if (isChain(s.kind)) {
      const c = s.real as WasmChain;
      calls.push(
        () => c.append(this.e),
        () => c.replace([this.e]),
        () => c.length,
        () => c.lookup(probe, 0, 1),
      );
    } else if (s.kind === "service") {
      const v = s.real as WasmService;
      calls.push(
        () => v.addDest({ addr: this.e.addr, port: 8080, weight: 1 }),
        () => v.setScheduler("mh"),
        () => v.size,
        () => v.ids(),
        () => v.dest(0),
        () => v.delDest(1, 1),
        () => v.schedule(probe, 0, 1, true),
        () => v.table(),
      );
    } else if (s.kind === "batch") {
      const b = s.real as WasmBatch;
      calls.push(
        () => b.daddr,
        () => b.out,
        () => new WasmChain("simd").lookup(b, 0, 1),
      );
    } else if (s.kind === "words") {
      calls.push(() => (s.real as Words).words);
    } else {
      const r = s.real as WasmRoute;
      calls.push(
        () => r.route(probe, 0, 1, 0),
        () => r.close(probe, 0, 1, 0),
        () => r.expire(0),
        () => r.flush(),
        () => r.connections,
      );
    }
    for (const call of calls) assert.throws(call, usedAfterDispose, `${s.kind}: ${call.toString()}`);
    checkLive(w);
  }
  toString = () => `use disposed #${this.i}`;
}

test("any interleaving of create / use / dispose over every handle kind leaves live handles as their twins", () => {
  const arbDest = fc.record({
    addr: fc.constantFrom(0x0af40001, 0x0af40002, 0x0af40003),
    port: fc.constant(8080),
    weight: fc.nat(3),
  });
  const cmds = [
    fc.tuple(fc.constantFrom(...KINDS), fc.nat(7), fc.nat(7)).map(([k, i, j]) => new Create(k, i, j)),
    fc
      .tuple(fc.nat(20), arbEntry(fc.nat(2)), arbDest, fc.constantFrom(...SCHEDULERS), fc.nat(40))
      .map((a) => new Use(...a)),
    fc
      .tuple(fc.nat(20), arbEntry(fc.nat(2)), arbDest, fc.constantFrom(...SCHEDULERS), fc.nat(40))
      .map((a) => new Use(...a)),
    fc.tuple(fc.nat(20), fc.boolean()).map(([i, t]) => new Dispose(i, t)),
    fc.tuple(fc.nat(20), arbEntry()).map(([i, e]) => new UseDisposed(i, e)),
  ];
  fc.assert(
    fc.property(fc.commands(cmds, { maxCommands: 60, size: "large" }), (commands) => {
      const world: World = { slots: [] };
      try {
        fc.modelRun(() => ({ model: world, real: world }), commands);
      } finally {
        // Routes first: they hold tables and services.
        for (const s of [...world.slots].sort((a, b) => Number(b.kind === "route") - Number(a.kind === "route")))
          s.real.dispose();
      }
    }),
    { numRuns: 150 },
  );
});

test("the probes: a double dispose leaves the allocator whole, and a stale handle cannot edit a new one", () => {
  const t = new WasmKeyedTable("vmap");
  t.dispose();
  t.dispose();
  const fresh = new WasmKeyedTable("vmap"),
    other = new WasmKeyedTable("vmap");
  assert.equal(fresh.insert({ addr: 1, port: 80, proto: 6, target: 3 }), 0);
  assert.throws(() => t.insert({ addr: 2, port: 80, proto: 6, target: 4 }), usedAfterDispose);
  assert.throws(() => t.delete({ addr: 1, port: 80, proto: 6 }), usedAfterDispose);
  assert.equal(fresh.size, 1);
  assert.equal(other.size, 0);
  fresh.dispose();
  other.dispose();
  const chain = new WasmChain("simd");
  chain.dispose();
  chain.dispose();
  const svc = new WasmService(),
    live2 = new WasmService();
  svc.dispose();
  assert.throws(() => svc.addDest({ addr: 1, port: 1, weight: 1 }), usedAfterDispose);
  assert.throws(() => svc.setScheduler("mh"), usedAfterDispose);
  assert.equal(live2.size, 0);
  assert.equal(live2.scheduler, "rr");
  live2.dispose();
});

test("every exported class of src/wasm with a dispose() is a WasmHandle (new handles get the guard)", () => {
  const dir = path.join(__dirname, "..", "src", "wasm");
  let seen = 0;
  for (const f of fs.readdirSync(dir).filter((x) => path.extname(x) === path.extname(__filename))) {
    const mod = require(path.join(dir, f)) as Record<string, unknown>;
    for (const [name, v] of Object.entries(mod)) {
      if (typeof v !== "function" || typeof (v.prototype as { dispose?: unknown })?.dispose !== "function") continue;
      if (v === WasmHandle) continue;
      assert.ok(v.prototype instanceof WasmHandle, `${f}: ${name} has dispose() but is not a WasmHandle`);
      seen++;
    }
  }
  assert.ok(seen >= 6, `found ${seen} handle classes`);
});
