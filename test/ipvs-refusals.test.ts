// Bad input and half-written state on the IPVS cores (assembly/ipvs.ts, sched/mh.ts, src/wasm/ipvs.ts,
// route.ts) and their TS twins: both refuse the same input with the same clear error, a dest the
// scheduler cannot take leaves the service as it was, and nothing a route points at can be freed under it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Result, SvcbenchError } from "../src/core";
import { DestSpec, IP_VS_MH_TAB_SIZE, IpvsService, NO_DEST } from "../src/ipvs";
import { WasmBatch } from "../src/wasm/batch";
import { WasmService } from "../src/wasm/ipvs";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { wasm } from "../src/wasm/module";
import { WasmRoute } from "../src/wasm/route";
import { picks, pods, snapshot, twins } from "./ipvs-fixtures";

const refused = (code: Result, msg: RegExp) => (e: unknown) =>
  e instanceof SvcbenchError && e.code === code && msg.test(e.message);

test("bad dests are refused alike by WASM and twin, before anything wraps or truncates", () => {
  const bad: DestSpec[] = [
    { addr: 9, port: 80, weight: 1.5 },
    { addr: -1, port: 80, weight: 1 },
    { addr: 2 ** 32, port: 80, weight: 1 },
    { addr: 9, port: -1, weight: 1 },
    { addr: 9, port: 65536, weight: 1 },
    { addr: 9, port: 80.5, weight: 1 },
    { addr: 9, port: 80, weight: 65536 },
    { addr: 9, port: 80, weight: -1 },
    { addr: 9, port: 80, weight: NaN },
    { addr: 9, port: 80, weight: 1, u_threshold: -1 },
    { addr: 9, port: 80, weight: 1, u_threshold: 2, l_threshold: 3 },
  ];
  for (const s of twins("wlc", 0, pods(2))) {
    const before = snapshot(s, 4);
    for (const d of bad) {
      assert.throws(
        () => s.addDest(d),
        refused(Result.BAD_ARG, /port 0\.\.65535, weight an integer 0\.\.65535/),
        `${s.impl} add ${JSON.stringify(d)}`,
      );
      assert.throws(
        () => s.editDest({ ...d, addr: d.addr === 9 ? pods(1)[0].addr : d.addr }),
        refused(Result.BAD_ARG, /addr must be/),
        `${s.impl} edit`,
      );
    }
    assert.throws(() => s.delDest(-1, 8080), refused(Result.BAD_ARG, /addr must be/));
    assert.throws(() => s.findDest(pods(1)[0].addr, 8080 + 65536), refused(Result.BAD_ARG, /port 0\.\.65535/));
    assert.throws(() => s.setConns(s.ids()[0], -1, 0, false), refused(Result.BAD_ARG, /activeconns and inactconns/));
    assert.throws(() => s.setConns(99, 0, 0, false), refused(Result.BAD_ARG, /no dest id 99$/));
    assert.deepEqual(snapshot(s, 4), before, `${s.impl}: nothing changed`);
    if (s instanceof WasmService) s.dispose();
  }
});

/** M dests under rr, then mh: one table build instead of M. */
function fullMh(): [WasmService, IpvsService] {
  const pair = twins("rr", 0, pods(IP_VS_MH_TAB_SIZE));
  for (const s of pair) s.setScheduler("mh");
  return pair;
}

test("mh takes at most 4093 dests: the next add is refused and the service, its table too, stays as it was", () => {
  const pair = fullMh(),
    extra = { addr: 0x0a0a0a0a, port: 8080, weight: 1 };
  try {
    const snaps = pair.map((s) => snapshot(s, 0));
    assert.deepEqual(snaps[0], snaps[1]);
    for (const [i, s] of pair.entries()) {
      assert.throws(() => s.addDest(extra), refused(Result.FULL, /mh: 4093/), s.impl);
      assert.equal(s.size, IP_VS_MH_TAB_SIZE);
      assert.equal(s.findDest(extra.addr, extra.port), undefined);
      assert.deepEqual(snapshot(s, 0), snaps[i], `${s.impl}: same list, same table`);
      assert.ok(s.delDest(pods(1)[0].addr, 8080));
      assert.equal(s.addDest(extra), Result.OK, `${s.impl}: room again after a delete`);
    }
    assert.deepEqual(snapshot(pair[0], 0), snapshot(pair[1], 0));
  } finally {
    pair[0].dispose();
  }
});

test("switching to mh with more than 4093 dests fails after the old scheduler is unbound: the service has none", () => {
  // ip_vs_edit_service unbinds the old scheduler before binding the new one, and does not restore it.
  const pair = twins("wlc", 0, pods(IP_VS_MH_TAB_SIZE + 1));
  const batch = new WasmBatch(2);
  try {
    for (const s of pair) {
      assert.throws(() => s.setScheduler("mh", 0x0008), refused(Result.FULL, /scheduler "mh"/), s.impl);
      assert.equal(s.scheduler, "none", s.impl);
      assert.deepEqual(
        picks(s, batch, [{ saddr: 1, sport: 2, daddr: 3 }]),
        [NO_DEST],
        `${s.impl}: no scheduler, no destination`,
      );
      assert.ok(s.delDest(pods(1)[0].addr, 8080), `${s.impl}: dests still change without a scheduler`);
      s.setScheduler("rr");
      assert.equal(s.scheduler, "rr");
      assert.notEqual(picks(s, batch, [{ saddr: 1, sport: 2, daddr: 3 }])[0], NO_DEST, s.impl);
    }
    assert.deepEqual(snapshot(pair[0], 0), snapshot(pair[1], 0));
  } finally {
    pair[0].dispose();
  }
});

test("an edit naming the bound scheduler only sets the flags: its state (rr's cursor) is kept", () => {
  for (const s of twins("rr", 0, pods(3))) {
    const batch = new WasmBatch(1),
      pkt = { saddr: 1, sport: 2, daddr: 3 };
    const first = picks(s, batch, [pkt])[0];
    s.setScheduler("rr", 0x0010);
    assert.notEqual(picks(s, batch, [pkt])[0], first, `${s.impl}: the cursor moved on`);
  }
});

test("a service or table a live route points at cannot be freed; after the route goes it can", () => {
  const table = new WasmKeyedTable("vmap"),
    svc = new WasmService();
  table.insert({ addr: 0x0a600001, port: 80, proto: 6, target: 0 });
  svc.addDest(pods(1)[0]);
  const route = new WasmRoute(table, [svc, svc]);
  assert.throws(() => svc.dispose(), /live route still points at it: dispose the route first/);
  assert.throws(() => table.dispose(), /live route/);
  route.dispose();
  route.dispose();
  svc.dispose();
  svc.dispose();
  table.dispose();
});

test("a route that cannot be made gives back its connection table and words, and holds nothing", () => {
  const table = new WasmKeyedTable("vmap"),
    svc = new WasmService();
  const broken = {
    get ptr(): number {
      throw new SvcbenchError("no pointer");
    },
  } as unknown as WasmService;
  try {
    const before = wasm().memory.buffer.byteLength;
    // 2^20 buckets are 4 MiB each time: kept, twenty failures would grow memory by 80 MiB.
    for (let i = 0; i < 20; i++) assert.throws(() => new WasmRoute(table, [svc, broken], { bits: 20 }), /no pointer/);
    assert.ok(wasm().memory.buffer.byteLength - before <= 8 << 20, "memory grew: the failed routes leaked");
  } finally {
    svc.dispose();
    table.dispose();
  }
});
