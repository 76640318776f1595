// The sched suite: what one IPVS scheduler pick costs (WASM vs TS twin) at 2 … 1000 dests, what the
// connection table saves (hit vs miss path) at N Services, how evenly each scheduler spreads
// connections over pods of different speeds, and how many flows move when one pod goes or comes
// (sched-disruption.ts). The pick cases are in sched-pick.ts, the conntrack cases in sched-conntrack.ts.
import { HASHING_SCHEDULERS, SCHEDULERS, SchedulerName } from "../src/ipvs";
import { CaseResult } from "../src/report/cases";
import { WasmBatch } from "../src/wasm/batch";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { WasmService } from "../src/wasm/ipvs";
import { WasmRoute } from "../src/wasm/route";
import { runConnTraffic } from "../src/workload/conns";
import { TrafficOptions } from "../src/workload/traffic";
import { Budget, Progress } from "./harness";
import { conntrack } from "./sched-conntrack";
import { DISRUPTION_DESTS, disruption } from "./sched-disruption";
import { MAGLEV_IMPL, MAGLEV_IMPLS, maglevDisruption } from "./sched-maglev";
import { PICK_DESTS, picks, maglev, podSpec, speedOf } from "./sched-pick";
import { schedTable } from "./sched-table";
import { Suite, SuiteOptions, wanted } from "./suite";

const CONNTRACK_SIZES = [100, 100000];
const CONNTRACK_FULL_SIZES = [...CONNTRACK_SIZES, 1000000];
const BALANCE_PODS = 10;
export const BALANCE = { load: 0.8, connections: 20000, meanWorkMs: 50, clients: 1000 };
const WEIGHTINGS = ["kube-proxy", "capacity"] as const;

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
    ...picks(o.picks, o.seed, o.budget, progress),
    ...maglev(o.maglev, o.seed, o.budget, progress),
    ...conntrack(
      { sizes: o.conntrackSizes, impls: o.conntrack, seed: o.seed, budget: o.budget, traffic: o.traffic },
      progress,
    ),
    ...balance(o, progress),
    ...disruption({ names: o.disruption, seed: o.seed, budget: o.budget }, progress),
    ...(o.maglev.includes(MAGLEV_IMPL) ? maglevDisruption(o.seed, o.budget, progress) : []),
  ];
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
