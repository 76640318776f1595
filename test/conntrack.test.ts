// The IPVS connection table and packet path (assembly/conntrack.ts, route.ts) against a plain model and
// the TS twin (src/reference/conntrack.ts, route.ts): any sequence of first packets, later packets,
// closes, timer expiries and dest changes leaves WASM and twin answering alike, established flows on
// their dest, and every dest's activeconns / inactconns / refcnt equal to the connections that hold it.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { IPPROTO_TCP, IPPROTO_UDP, MISS, PacketColumns } from "../src/core";
import { DROP, NO_DEST, SCHEDULERS, SchedulerName } from "../src/ipvs";
import { TsService } from "../src/reference/ipvs";
import { TsMap } from "../src/reference/map";
import { TsRoute } from "../src/reference/route";
import { WasmBatch } from "../src/wasm/batch";
import { WasmService } from "../src/wasm/ipvs";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { WasmRoute } from "../src/wasm/route";
import { pods } from "./ipvs-fixtures";

const batch = new WasmBatch(16);
after(() => batch.dispose());

const TIMEOUTS = { established: 100, closed: 20 };
const LIMIT = 12;
/** Two services (TCP and UDP) and one address no service has. */
const VIPS = [
  { addr: 0x0a600001, port: 80, proto: IPPROTO_TCP, target: 0 },
  { addr: 0x0a600002, port: 53, proto: IPPROTO_UDP, target: 1 },
];
const NOWHERE = { addr: 0x0a6000ff, port: 80, proto: IPPROTO_TCP };

interface Flow {
  client: number;
  sport: number;
  vip: number;
} // vip 2: no service
const arbFlow = fc.record({
  client: fc.nat(3),
  sport: fc.constantFrom(1000, 2000),
  vip: fc.constantFrom(0, 0, 1, 1, 2),
});
const key = (f: Flow) => `${f.client}:${f.sport}:${f.vip}`;

interface ModelConn {
  svc: number;
  dest: number;
  inactive: boolean;
  expires: number;
}
interface Model {
  now: number;
  conns: Map<string, ModelConn>;
}

interface Side {
  route: WasmRoute | TsRoute;
  svcs: (WasmService | TsService)[];
}
interface Real {
  sides: [Side, Side];
}

function fill(b: PacketColumns, f: Flow): void {
  const v = f.vip < 2 ? VIPS[f.vip] : NOWHERE;
  b.saddr[0] = 0x0af40100 + f.client;
  b.sport[0] = f.sport;
  b.daddr[0] = v.addr;
  b.dport[0] = v.port;
  b.proto[0] = v.proto;
}

/** Both sides answer one packet alike; returns the answer. */
function send(r: Real, f: Flow, op: "route" | "close", now: number): number {
  const outs = r.sides.map((s) => {
    fill(batch, f);
    s.route[op](batch, 0, 1, now);
    return batch.out[0];
  });
  assert.equal(outs[0], outs[1], `${op} ${key(f)}: WASM ${outs[0]} vs twin ${outs[1]}`);
  return outs[0];
}

/** Every dest's counters are the model's connections; both sides agree on every record. */
function checkCounters(m: Model, r: Real): void {
  for (const side of r.sides) assert.equal(side.route.connections, m.conns.size, side.route.impl);
  for (let svc = 0; svc < VIPS.length; svc++) {
    for (let id = 0; id < 8; id++) {
      const held = [...m.conns.values()].filter((c) => c.svc === svc && c.dest === id);
      const [w, t] = r.sides.map((s) => s.svcs[svc].dest(id));
      assert.deepEqual(w, t, `service ${svc} dest ${id}`);
      assert.equal(w.activeconns, held.filter((c) => !c.inactive).length, `activeconns of ${svc}/${id}`);
      assert.equal(w.inactconns, held.filter((c) => c.inactive).length, `inactconns of ${svc}/${id}`);
      assert.equal(w.refcnt, held.length, `refcnt of ${svc}/${id}`);
    }
  }
}

class Packet implements fc.Command<Model, Real> {
  constructor(readonly f: Flow) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const c = m.conns.get(key(this.f)),
      out = send(r, this.f, "route", m.now);
    if (c) {
      assert.equal(out, c.dest, "an established flow stays on its dest");
      c.expires = m.now + (c.inactive ? TIMEOUTS.closed : TIMEOUTS.established);
    } else if (this.f.vip === 2) {
      assert.equal(out, MISS);
    } else if (out !== NO_DEST && out !== DROP) {
      m.conns.set(key(this.f), { svc: this.f.vip, dest: out, inactive: false, expires: m.now + TIMEOUTS.established });
    } else {
      assert.ok(out === NO_DEST || m.conns.size >= LIMIT, "DROP only when the table is full");
    }
    checkCounters(m, r);
  }
  toString = () => `packet(${key(this.f)})`;
}

class Close implements fc.Command<Model, Real> {
  constructor(readonly f: Flow) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const c = m.conns.get(key(this.f)),
      out = send(r, this.f, "close", m.now);
    assert.equal(out, c ? c.dest : MISS);
    if (c && !c.inactive) {
      c.inactive = true;
      c.expires = m.now + TIMEOUTS.closed;
    }
    checkCounters(m, r);
  }
  toString = () => `close(${key(this.f)})`;
}

class Tick implements fc.Command<Model, Real> {
  constructor(readonly dt: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    m.now += this.dt;
    const due = [...m.conns].filter(([, c]) => c.expires <= m.now);
    for (const side of r.sides) assert.equal(side.route.expire(m.now), due.length, `${side.route.impl} expired`);
    for (const [k] of due) m.conns.delete(k);
    checkCounters(m, r);
  }
  toString = () => `tick(${this.dt})`;
}

/** Pod churn: a dest leaves (its connections keep it as trash) or comes (back), or is quiesced. */
class Churn implements fc.Command<Model, Real> {
  constructor(
    readonly svc: number,
    readonly pod: number,
    readonly what: "del" | "add" | "quiesce",
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const d = pods(4)[this.pod];
    const answers = r.sides.map(({ svcs }) => {
      const s = svcs[this.svc];
      if (this.what === "del") return s.delDest(d.addr, d.port);
      if (this.what === "add") return s.addDest(d);
      return s.editDest({ ...d, weight: 0 });
    });
    assert.equal(answers[0], answers[1]);
    checkCounters(m, r);
  }
  toString = () => `${this.what}(${this.svc}, ${this.pod})`;
}

const arbCommands = fc.commands(
  [
    arbFlow.map((f) => new Packet(f)),
    arbFlow.map((f) => new Packet(f)),
    arbFlow.map((f) => new Close(f)),
    fc.nat(60).map((dt) => new Tick(dt)),
    fc
      .tuple(fc.nat(1), fc.nat(3), fc.constantFrom("del" as const, "add" as const, "quiesce" as const))
      .map(([s, p, w]) => new Churn(s, p, w)),
  ],
  { maxCommands: 60 },
);

function setup(scheds: [SchedulerName, SchedulerName]): { model: Model; real: Real } {
  const wtable = new WasmKeyedTable("svctable-fixed"),
    ttable = new TsMap();
  for (const v of VIPS) {
    wtable.insert(v);
    ttable.insert(v);
  }
  const make = <S extends WasmService | TsService>(mk: () => S): S[] =>
    scheds.map((name) => {
      const s = mk();
      s.setScheduler(name);
      for (const d of pods(4)) s.addDest(d);
      return s;
    });
  const wsvcs = make(() => new WasmService()),
    tsvcs = make(() => new TsService());
  const opts = { limit: LIMIT, timeouts: TIMEOUTS, seed: 7 };
  const real: Real = {
    sides: [
      { route: new WasmRoute(wtable, wsvcs, opts), svcs: wsvcs },
      { route: new TsRoute(ttable, tsvcs, opts), svcs: tsvcs },
    ],
  };
  const dispose = () => {
    real.sides[0].route.dispose();
    wsvcs.forEach((s) => s.dispose());
    wtable.dispose();
  };
  return { model: { now: 0, conns: new Map() }, real: Object.assign(real, { dispose }) };
}

test("model-based: first packets, packets, closes, expiries and pod churn keep counters equal to live connections", () => {
  fc.assert(
    fc.property(fc.constantFrom(...SCHEDULERS), fc.constantFrom(...SCHEDULERS), arbCommands, (a, b, cmds) => {
      const s = setup([a, b]);
      try {
        fc.modelRun(() => s, cmds);
      } finally {
        (s.real as Real & { dispose(): void }).dispose();
      }
    }),
    { numRuns: 150 },
  );
});

test("a deleted dest with connections stays as trash: same id when re-added, counters kept; freed after its last one", () => {
  const { real } = setup(["rr", "rr"]);
  try {
    const flows = [0, 1, 2, 3].map((client) => ({ client, sport: 1000, vip: 0 }));
    const dests = flows.map((f) => send(real, f, "route", 0));
    const victim = dests[0],
      addr = real.sides[0].svcs[0].dest(victim).addr;
    for (const side of real.sides) {
      const svc = side.svcs[0];
      assert.ok(svc.delDest(addr, 8080));
      assert.equal(svc.dest(victim).refcnt, 1);
      svc.addDest({ addr, port: 8080, weight: 1 });
      assert.equal(svc.findDest(addr, 8080), victim, `${side.route.impl}: revived with its id`);
      assert.equal(svc.dest(victim).activeconns, 1);
    }
    assert.equal(send(real, flows[0], "route", 1), victim, "the established flow still goes there");
    for (const side of real.sides) {
      assert.ok(side.svcs[0].delDest(addr, 8080));
      side.route.flush();
      assert.equal(side.svcs[0].dest(victim).refcnt, 0);
      side.svcs[0].addDest({ addr: 0x0af50000, port: 8080, weight: 1 });
      assert.equal(
        side.svcs[0].findDest(0x0af50000, 8080),
        victim,
        `${side.route.impl}: the freed id goes to the next new dest`,
      );
    }
  } finally {
    (real as Real & { dispose(): void }).dispose();
  }
});

test("overload clears with hysteresis on unbind: below 3/4 of u_threshold, or below l_threshold", () => {
  // u 4, l 0: clears once total * 4 < 12, at 2 left; u 4, l 1: once total < 1.
  for (const [uth, lth, clearsAt] of [
    [4, 0, 2],
    [4, 1, 0],
  ] as const) {
    const { real } = setup(["rr", "rr"]);
    try {
      for (const side of real.sides) {
        const svc = side.svcs[0];
        for (const d of pods(4)) svc.delDest(d.addr, d.port);
        svc.addDest({ ...pods(1)[0], u_threshold: uth, l_threshold: lth });
      }
      const flows = [0, 1, 2, 3].map((client) => ({ client, sport: 1000, vip: 0 }));
      for (const f of flows) send(real, f, "route", 0);
      assert.equal(send(real, { client: 0, sport: 2000, vip: 0 }, "route", 0), NO_DEST, "overloaded at u_threshold");
      for (let open = 4; open > 0; open--) {
        send(real, flows[open - 1], "close", 0);
        for (const side of real.sides) side.route.expire(TIMEOUTS.closed);
        const id = real.sides[0].svcs[0].ids()[0];
        const over = real.sides.map((s) => (s.svcs[0].dest(id).flags & 2) !== 0);
        assert.deepEqual(over, Array(2).fill(open - 1 > clearsAt), `u ${uth} l ${lth}, ${open - 1} left`);
      }
    } finally {
      (real as Real & { dispose(): void }).dispose();
    }
  }
});

test("a batch with a flow's first packet twice: one connection, both packets to its dest, WASM and twin alike", () => {
  fc.assert(
    fc.property(fc.array(arbFlow, { minLength: 1, maxLength: 16 }), fc.constantFrom(...SCHEDULERS), (flows, name) => {
      const { real } = setup([name, name]);
      try {
        const outs = real.sides.map((side) => {
          flows.forEach((f, k) => {
            const v = f.vip < 2 ? VIPS[f.vip] : NOWHERE;
            batch.saddr[k] = 0x0af40100 + f.client;
            batch.sport[k] = f.sport;
            batch.daddr[k] = v.addr;
            batch.dport[k] = v.port;
            batch.proto[k] = v.proto;
          });
          side.route.route(batch, 0, flows.length, 0);
          return Array.from(batch.out.subarray(0, flows.length));
        });
        assert.deepEqual(outs[0], outs[1]);
        const made = new Map<string, number>();
        flows.forEach((f, k) => {
          const out = outs[0][k];
          if (f.vip === 2) return assert.equal(out, MISS);
          if (made.has(key(f))) return assert.equal(out, made.get(key(f)), `${key(f)} again in the batch`);
          if (out !== NO_DEST && out !== DROP) made.set(key(f), out);
        });
        for (const side of real.sides) assert.equal(side.route.connections, made.size, side.route.impl);
      } finally {
        (real as Real & { dispose(): void }).dispose();
      }
    }),
    { numRuns: 100 },
  );
});
