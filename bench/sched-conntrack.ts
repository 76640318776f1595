// The sched suite's conntrack cases: what IPVS's connection table saves at N Services, the hit path
// (a packet of an established connection) vs the miss path (a new connection's first packet).
import { ServiceEntry, SvcbenchError } from "../src/core";
import { CONN_TAB_BITS, IpvsRoute, IpvsService } from "../src/ipvs";
import { TsService } from "../src/reference/ipvs";
import { TsMap } from "../src/reference/map";
import { TsRoute } from "../src/reference/route";
import { CaseResult, ConntrackCase } from "../src/report/cases";
import { WasmBatch } from "../src/wasm/batch";
import { WasmService } from "../src/wasm/ipvs";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { WasmRoute } from "../src/wasm/route";
import { makeServicePorts } from "../src/workload/cluster";
import { fillTraffic, TrafficOptions } from "../src/workload/traffic";
import { Budget, measure, Progress } from "./harness";
import { cycling, PICK_BATCH, podSpec } from "./sched-pick";

/** Established connections in the table (the kernel default of 4096 buckets: chains of 4). */
const CONNTRACK_CONNS = 1 << 14;
/** Distinct virtual services behind the N service ports (each port maps to one of them). */
const DISTINCT_SERVICES = 1024;
const MISS_WINDOWS = 64;

/** A pool of virtual services (rr, three pods each, as kube-proxy's defaults) for the N service ports. */
function servicePool<S extends IpvsService>(make: () => S, n: number): S[] {
  return Array.from({ length: Math.min(n, DISTINCT_SERVICES) }, (_, k) => {
    const s = make();
    for (let i = 0; i < 3; i++) s.addDest(podSpec(k * 3 + i, 1));
    return s;
  });
}

interface RouteSide {
  impl: ConntrackCase["impl"];
  table: string;
  make: (timeouts?: { established: number; closed: number }) => IpvsRoute;
}

/** Where a conntrack case runs: N, the budget, the progress line, and the routes to dispose of afterwards. */
interface ConntrackRun {
  n: number;
  budget: Budget;
  progress: Progress;
  owned: { dispose(): void }[];
}

/** Hit: every packet belongs to one of the established connections (checked to stay on its dest). */
function conntrackHit(side: RouteSide, est: WasmBatch, r: ConntrackRun) {
  const route = side.make();
  r.owned.push(route);
  for (let at = 0; at < CONNTRACK_CONNS; at += PICK_BATCH) route.route(est, at, PICK_BATCH, 0);
  const first = est.out.slice(0, PICK_BATCH).join();
  route.route(est, 0, PICK_BATCH, 0);
  if (est.out.slice(0, PICK_BATCH).join() !== first) {
    throw new SvcbenchError(`${side.impl}: established flows did not stay on their dests`);
  }
  r.progress.step(`sched ${side.impl} hit N=${r.n}`);
  const m = measure(
    `${side.impl} hit N=${r.n}`,
    cycling(PICK_BATCH, CONNTRACK_CONNS, (at) => route.route(est, at, PICK_BATCH, 0)),
    PICK_BATCH,
    r.budget,
  );
  return { suite: "sched", impl: side.impl, n: r.n, batch: PICK_BATCH, scenario: "hit", ...m } as const;
}

/**
 * Miss: first packets of new flows; each call also expires the window made 16 calls before, so the
 * table stays at CONNTRACK_CONNS connections (the steady state of a busy node).
 */
function conntrackMiss(side: RouteSide, fresh: WasmBatch, r: ConntrackRun) {
  const keep = CONNTRACK_CONNS / PICK_BATCH;
  const route = side.make({ established: keep, closed: keep });
  r.owned.push(route);
  let now = 0;
  r.progress.step(`sched ${side.impl} miss N=${r.n}`);
  const m = measure(
    `${side.impl} miss N=${r.n}`,
    cycling(PICK_BATCH, fresh.capacity, (at) => {
      route.expire(++now);
      route.route(fresh, at, PICK_BATCH, now);
    }),
    PICK_BATCH,
    r.budget,
  );
  return { suite: "sched", impl: side.impl, n: r.n, batch: PICK_BATCH, scenario: "miss", ...m } as const;
}

/** What the conntrack cases take from the suite's options. */
export interface ConntrackOptions {
  sizes: number[];
  impls: string[]; // conntrack, conntrack-rsz, conntrack-ts
  seed: number;
  budget: Budget;
  traffic: TrafficOptions;
}

export function conntrack(o: ConntrackOptions, progress: Progress): CaseResult[] {
  const cases: CaseResult[] = [];
  const est = new WasmBatch(CONNTRACK_CONNS),
    fresh = new WasmBatch(MISS_WINDOWS * PICK_BATCH);
  const owned: { dispose(): void }[] = [];
  try {
    for (const n of o.sizes) {
      const services: ServiceEntry[] = makeServicePorts(n, o.seed);
      fillTraffic(est, services, o.traffic, o.seed + 1);
      fillTraffic(fresh, services, o.traffic, o.seed + 2);
      const wpool = servicePool(() => new WasmService(), n),
        tpool = servicePool(() => new TsService(), n);
      const tables = {
        fixed: new WasmKeyedTable("svctable-fixed"),
        rsz: new WasmKeyedTable("svctable-resizable"),
        ts: new TsMap(),
      };
      for (const e of services) for (const t of Object.values(tables)) t.insert(e);
      const wsvcs = services.map((_, i) => wpool[i % wpool.length]),
        tsvcs = services.map((_, i) => tpool[i % tpool.length]);
      const sides: RouteSide[] = [
        {
          impl: "conntrack",
          table: "svctable-fixed",
          make: (timeouts) => new WasmRoute(tables.fixed, wsvcs, { seed: o.seed, timeouts }),
        },
        {
          impl: "conntrack-rsz",
          table: "svctable-resizable",
          make: (timeouts) => new WasmRoute(tables.rsz, wsvcs, { seed: o.seed, timeouts }),
        },
        {
          impl: "conntrack-ts",
          table: "map-ts",
          make: (timeouts) => new TsRoute(tables.ts, tsvcs, { seed: o.seed, timeouts }),
        },
      ];
      try {
        for (const side of sides.filter((s) => o.impls.includes(s.impl))) {
          const extra = {
            table: side.table,
            connections: CONNTRACK_CONNS,
            buckets: 1 << CONN_TAB_BITS.default,
            distinct_services: wpool.length,
          };
          const at = { n, budget: o.budget, progress, owned };
          if (side.impl !== "conntrack-rsz") cases.push({ ...conntrackHit(side, est, at), ...extra });
          cases.push({ ...conntrackMiss(side, fresh, at), ...extra, includes: "one expiry per new connection" });
        }
      } finally {
        for (const r of owned.splice(0)) r.dispose();
        for (const s of wpool) s.dispose();
        tables.fixed.dispose();
        tables.rsz.dispose();
      }
    }
  } finally {
    est.dispose();
    fresh.dispose();
  }
  return cases;
}
