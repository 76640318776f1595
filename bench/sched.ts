// The sched suite: what one IPVS scheduler pick costs (WASM vs TS twin) at 2 … 1000 dests, what the
// connection table saves (hit vs miss path) at N Services, how evenly each scheduler spreads
// connections over pods of different speeds, and how many flows move when one pod goes or comes
// (sched-disruption.ts).
import { ServiceEntry, SvcbenchError } from "../src/core";
import { CONN_TAB_BITS, HASHING_SCHEDULERS, IpvsRoute, IpvsService, SCHEDULERS, SchedulerName } from "../src/ipvs";
import { TsService } from "../src/reference/ipvs";
import { TsMap } from "../src/reference/map";
import { TsRoute } from "../src/reference/route";
import { CaseResult, ConntrackCase, PickCase } from "../src/report/cases";
import { WasmBatch } from "../src/wasm/batch";
import { WasmService } from "../src/wasm/ipvs";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { WasmRoute } from "../src/wasm/route";
import { makeServicePorts } from "../src/workload/cluster";
import { runConnTraffic } from "../src/workload/conns";
import { Rng } from "../src/util/rng";
import { fillTraffic, TrafficOptions } from "../src/workload/traffic";
import { Budget, measure, Progress } from "./harness";
import { DISRUPTION_DESTS, disruption } from "./sched-disruption";
import { schedTable } from "./sched-table";
import { MAGLEV_IMPL, MAGLEV_IMPLS, maglevDisruption, maglevPicks } from "./sched-maglev";
import { Suite, SuiteOptions, wanted } from "./suite";

const PICK_DESTS = [2, 10, 100, 1000];
const PICK_BATCH = 1024;
const PICK_POOL = 4096;
const CONNTRACK_SIZES = [100, 100000];
const CONNTRACK_FULL_SIZES = [...CONNTRACK_SIZES, 1000000];
/** Established connections in the table (the kernel default of 4096 buckets: chains of 4). */
const CONNTRACK_CONNS = 1 << 14;
/** Distinct virtual services behind the N service ports (each port maps to one of them). */
const DISTINCT_SERVICES = 1024;
const MISS_WINDOWS = 64;
const BALANCE_PODS = 10;
export const BALANCE = { load: 0.8, connections: 20000, meanWorkMs: 50, clients: 1000 };
const WEIGHTINGS = ["kube-proxy", "capacity"] as const;

const speedOf = (i: number) => 1 + (i % 4);
const podSpec = (i: number, weight: number) => ({ addr: 0x0af40001 + i, port: 8080, weight });

interface SchedOptions {
  conntrackSizes: number[];
  seed: number;
  budget: Budget;
  traffic: TrafficOptions;
  picks: string[]; // impl names: rr … mh, rr-ts … mh-ts
  conntrack: string[]; // conntrack, conntrack-rsz, conntrack-ts
  balance: SchedulerName[];
  disruption: SchedulerName[];
  /** Cilium's Maglev: maglev-16381 (WASM), maglev-16381-ts (its twin); disruption with the first. */
  maglev: (typeof MAGLEV_IMPLS)[number][];
}

function schedOptions(o: SuiteOptions): SchedOptions {
  const w = (impl: string) => wanted(o, "sched", impl);
  return {
    conntrackSizes: o.sizes ?? (o.full ? CONNTRACK_FULL_SIZES : CONNTRACK_SIZES),
    seed: o.seed,
    budget: o.budget,
    traffic: { ...o.traffic, missRatio: 0 },
    picks: SCHEDULERS.flatMap((s) => [s, `${s}-ts`]).filter(w),
    conntrack: ["conntrack", "conntrack-rsz", "conntrack-ts"].filter(w),
    balance: SCHEDULERS.filter(w),
    disruption: HASHING_SCHEDULERS.filter(w),
    maglev: MAGLEV_IMPLS.filter(w),
  };
}

function schedCaseCount(o: SchedOptions): number {
  const ct = o.conntrack.reduce((s, i) => s + (i === "conntrack-rsz" ? 1 : 2), 0);
  return (
    o.picks.length * PICK_DESTS.length +
    ct * o.conntrackSizes.length +
    o.balance.length * WEIGHTINGS.length +
    o.disruption.length * DISRUPTION_DESTS.length +
    o.maglev.length * PICK_DESTS.length +
    (o.maglev.includes(MAGLEV_IMPL) ? DISRUPTION_DESTS.length : 0)
  );
}

/** A task that runs the next window of `size` packets of a pool of `pool` on each call. */
function cycling(size: number, pool: number, run: (start: number) => void): () => void {
  let at = 0;
  return () => {
    run(at);
    at = (at + size) % pool;
  };
}

/** Random clients, ports and virtual addresses: what dh, sh and mh hash. */
function fillClients(b: WasmBatch, count: number, rng: Rng): void {
  for (let k = 0; k < count; k++) {
    b.saddr[k] = rng.u32();
    b.sport[k] = 1024 + rng.below(64512);
    b.daddr[k] = rng.u32();
  }
}

function picks(o: SchedOptions, progress: Progress): CaseResult[] {
  const cases: CaseResult[] = [];
  const batch = new WasmBatch(PICK_POOL),
    rng = new Rng(o.seed);
  fillClients(batch, PICK_POOL, rng);
  try {
    for (const n of PICK_DESTS) {
      for (const name of SCHEDULERS) {
        const impls = [name, `${name}-ts`].filter((i) => o.picks.includes(i));
        if (impls.length === 0) continue;
        const svcs: [WasmService, TsService] = [new WasmService(), new TsService()];
        const conns = Array.from({ length: n }, () => [rng.below(4), rng.below(64)]);
        try {
          for (const s of svcs) {
            s.setScheduler(name);
            for (let i = 0; i < n; i++) s.addDest(podSpec(i, speedOf(i)));
            s.ids().forEach((id, p) => s.setConns(id, conns[p][0], conns[p][1], false));
          }
          const answers = svcs.map((s) => {
            s.schedule(batch, 0, PICK_BATCH, false);
            return batch.out.slice(0, PICK_BATCH).join();
          });
          if (answers[0] !== answers[1])
            throw new SvcbenchError(`${name}: WASM and TS twin disagree at ${n} dests: not benchmarking wrong answers`);
          for (const s of svcs) {
            const impl: PickCase["impl"] = s instanceof TsService ? `${name}-ts` : name;
            if (!impls.includes(impl)) continue;
            progress.step(`sched ${impl} ${n} dests`);
            // Each pick counts as a new connection (activeconns++), so the least-connection ones move on.
            const m = measure(
              `${impl} n=${n}`,
              cycling(PICK_BATCH, PICK_POOL, (at) => s.schedule(batch, at, PICK_BATCH, true)),
              PICK_BATCH,
              o.budget,
            );
            cases.push({ suite: "sched", impl, n, batch: PICK_BATCH, ...m });
          }
        } finally {
          svcs[0].dispose();
        }
      }
    }
  } finally {
    batch.dispose();
  }
  return cases;
}

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

function conntrack(o: SchedOptions, progress: Progress): CaseResult[] {
  const cases: CaseResult[] = [];
  const est = new WasmBatch(CONNTRACK_CONNS),
    fresh = new WasmBatch(MISS_WINDOWS * PICK_BATCH);
  const owned: { dispose(): void }[] = [];
  try {
    for (const n of o.conntrackSizes) {
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
        for (const side of sides.filter((s) => o.conntrack.includes(s.impl))) {
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

function balance(o: SchedOptions, progress: Progress): CaseResult[] {
  const cases: CaseResult[] = [];
  const batch = new WasmBatch(1),
    vip = { addr: 0x0a600001, port: 80, proto: 6, target: 0 };
  const speeds = Array.from({ length: BALANCE_PODS }, (_, i) => speedOf(i));
  try {
    for (const weighting of WEIGHTINGS) {
      const weights = speeds.map((s) => (weighting === "capacity" ? s : 1));
      for (const name of o.balance) {
        progress.step(`sched ${name} balance, ${weighting} weights`);
        const table = new WasmKeyedTable("svctable-fixed"),
          svc = new WasmService();
        table.insert(vip);
        svc.setScheduler(name);
        speeds.forEach((_, i) => svc.addDest(podSpec(i, weights[i])));
        const route = new WasmRoute(table, [svc], { seed: o.seed });
        try {
          const f = runConnTraffic(route, vip, { speeds, ...BALANCE, seed: o.seed }, batch);
          cases.push({
            suite: "sched",
            impl: name,
            n: BALANCE_PODS,
            scenario: `balance-${weighting}`,
            median_ns: 0,
            p99_ns: 0,
            rme: 0,
            samples: 0,
            timed: false,
            ...f,
            speeds,
            weights,
            ...BALANCE,
          });
        } finally {
          route.dispose();
          svc.dispose();
          table.dispose();
        }
      }
    }
  } finally {
    batch.dispose();
  }
  return cases;
}

function runSched(o: SchedOptions, progress: Progress): CaseResult[] {
  return [
    ...picks(o, progress),
    ...maglev(o, progress),
    ...conntrack(o, progress),
    ...balance(o, progress),
    ...disruption({ names: o.disruption, seed: o.seed, budget: o.budget }, progress),
    ...(o.maglev.includes(MAGLEV_IMPL) ? maglevDisruption(o.seed, o.budget, progress) : []),
  ];
}

function maglev(o: SchedOptions, progress: Progress): CaseResult[] {
  if (o.maglev.length === 0) return [];
  const batch = new WasmBatch(PICK_POOL);
  try {
    fillClients(batch, PICK_POOL, new Rng(o.seed));
    return maglevPicks(o.maglev, PICK_DESTS, PICK_BATCH, batch, o.budget, progress);
  } finally {
    batch.dispose();
  }
}

export const schedSuite: Suite = {
  name: "sched",
  about: `IPVS scheduler pick at ${PICK_DESTS.join(", ")} dests, conntrack hit vs miss, balance, disruption`,
  file: "sched.json",
  caseCount: (o) => schedCaseCount(schedOptions(o)),
  sizes: (o) => {
    const s = schedOptions(o);
    return [
      ...new Set([
        ...(s.picks.length > 0 ? PICK_DESTS : []),
        ...(s.conntrack.length > 0 ? s.conntrackSizes : []),
        ...(s.balance.length > 0 ? [BALANCE_PODS] : []),
        ...(s.disruption.length > 0 ? DISRUPTION_DESTS : []),
      ]),
    ];
  },
  run: (o, progress) => ({ cases: runSched(schedOptions(o), progress), notes: [] }),
  table: schedTable,
};
