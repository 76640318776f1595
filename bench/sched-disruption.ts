// The sched suite's disruption cases: how many flows the hashing schedulers (linux
// net/netfilter/ipvs/ip_vs_dh.c, ip_vs_sh.c, ip_vs_mh.c) move to another dest when one of N pods goes
// or one comes, and how many of the N pods hold a table entry at all (dh and sh have 256 buckets, so
// past 256 pods most get no new connection). A removal is measured for REMOVALS pods drawn at random
// among those that hold an entry, each from the same starting service, and averaged: a pod with no
// entry has no flows, so removing it would move none and say nothing about the scheduler.
import { NIL } from "../src/abi";
import { SvcbenchError } from "../src/core";
import { IP_VS_DH_TAB_SIZE, IP_VS_MH_TAB_SIZE, IP_VS_SH_TAB_SIZE, SchedulerName } from "../src/ipvs";
import { DisruptionCase } from "../src/report/cases";
import { WasmBatch } from "../src/wasm/batch";
import { WasmService } from "../src/wasm/ipvs";
import { Rng } from "../src/util/rng";
import { Budget, measure, Progress } from "./harness";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The removal figures of a disruption case: the share of flows moved per removal, and the removed dest's share. */
export function removalFigures(moved: number[], held: number[], n: number) {
  return {
    moved_remove: mean(moved),
    moved_remove_min: Math.min(...moved),
    moved_remove_max: Math.max(...moved),
    removed_share: mean(held),
    ideal_remove: 1 / n,
    removals: moved.length,
  };
}

export const DISRUPTION_DESTS = [10, 100, 1000];
export const DISRUPTION_FLOWS = 20000;
/** Removals averaged per case: distinct pods that hold a table entry, drawn with the suite's seed. */
export const REMOVALS = 8;
const TABLE_SIZE: Partial<Record<SchedulerName, number>> = {
  dh: IP_VS_DH_TAB_SIZE,
  sh: IP_VS_SH_TAB_SIZE,
  mh: IP_VS_MH_TAB_SIZE,
};

const pod = (i: number) => ({ addr: 0x0af40001 + i, port: 8080, weight: 1 });

/** n pods of weight 1 added in order (the list runs newest first), then the scheduler: one table build. */
function service(name: SchedulerName, n: number): WasmService {
  const s = new WasmService();
  try {
    for (let i = 0; i < n; i++) s.addDest(pod(i));
    s.setScheduler(name);
  } catch (e) {
    s.dispose();
    throw e;
  }
  return s;
}

/** k distinct values of xs drawn at random (all of them when k >= xs.length). */
export function sample(xs: number[], k: number, rng: Rng): number[] {
  const a = xs.slice();
  for (let i = 0; i < Math.min(k, a.length); i++) {
    const j = i + rng.below(a.length - i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, Math.min(k, a.length));
}

interface DisruptionOptions {
  names: SchedulerName[];
  seed: number;
  budget: Budget;
}

export function disruption(o: DisruptionOptions, progress: Progress): DisruptionCase[] {
  const cases: DisruptionCase[] = [];
  const batch = new WasmBatch(DISRUPTION_FLOWS),
    rng = new Rng(o.seed + 4);
  const clients = new Rng(o.seed + 3);
  for (let k = 0; k < DISRUPTION_FLOWS; k++) {
    batch.saddr[k] = clients.u32();
    batch.sport[k] = 1024 + clients.below(64512);
    batch.daddr[k] = clients.u32();
  }
  const pickAll = (s: WasmService) => {
    s.schedule(batch, 0, DISRUPTION_FLOWS, false);
    return batch.out.slice();
  };
  const share = (a: Uint32Array, f: (x: number, i: number) => boolean) =>
    a.reduce((k, x, i) => k + (f(x, i) ? 1 : 0), 0) / a.length;
  try {
    for (const name of o.names) {
      for (const n of DISRUPTION_DESTS) {
        progress.step(`sched ${name} disruption ${n} dests`);
        const svc = service(name, n);
        try {
          const before = pickAll(svc),
            start = svc.table()!.join();
          const holders = [...new Set(svc.table())].filter((id) => id !== NIL).sort((a, b) => a - b);
          const extra = pod(n);
          svc.addDest(extra);
          const added = share(pickAll(svc), (x, i) => x !== before[i]);
          svc.delDest(extra.addr, extra.port); // the same list again: the same table as before
          const m = measure(
            `${name} dest change n=${n}`,
            () => {
              svc.addDest(extra);
              svc.delDest(extra.addr, extra.port);
            },
            2,
            o.budget,
          );
          // Each removal from a service built afresh: a deleted pod that comes back goes to the list's head.
          const moved: number[] = [],
            held: number[] = [];
          for (const id of sample(holders, REMOVALS, rng)) {
            const s = service(name, n);
            try {
              if (s.table()!.join() !== start)
                throw new SvcbenchError(`${name}: a service built again has another table`);
              const { addr, port } = s.dest(id);
              s.delDest(addr, port);
              const after = pickAll(s);
              moved.push(share(after, (x, i) => x !== before[i]));
              held.push(share(before, (x) => x === id));
            } finally {
              s.dispose();
            }
          }
          const table = TABLE_SIZE[name] ?? 0;
          cases.push({
            suite: "sched",
            impl: name,
            n,
            scenario: "disruption",
            ...m,
            timed: "one dest added or deleted, table rebuilt",
            ...removalFigures(moved, held, n),
            removal: `mean of ${moved.length} pods drawn at random among those holding a table entry`,
            moved_add: added,
            ideal_add: 1 / (n + 1),
            dests_with_entries: holders.length / n,
            table_size: table,
            over_table: n > table,
            flows: DISRUPTION_FLOWS,
          });
        } finally {
          svc.dispose();
        }
      }
    }
  } finally {
    batch.dispose();
  }
  return cases;
}
