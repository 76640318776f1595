// Cilium's Maglev (cilium pkg/maglev/maglev.go, bpf/lib/lb.h; assembly/ebpf/maglev.ts) in the sched suite,
// beside the IPVS schedulers: ns per pick (the datapath's jhash of the flow and one table read; WASM and
// TS twin), and on a change of one of N backends the flows that move (the same flows and removals as the
// IPVS disruption cases), how evenly the M slots spread over the backends, and the time of the table rebuild.
import { SvcbenchError } from "../src/core";
import { Backend, MAGLEV_DEFAULT_M, maglevOrder, maglevSeeds } from "../src/ebpf/lb4";
import { maglevPick, maglevTable } from "../src/reference/ebpf/maglev";
import { DisruptionCase, PickCase } from "../src/report/cases";
import { WasmBatch } from "../src/wasm/batch";
import { WasmMaglev } from "../src/wasm/ebpf";
import { Rng } from "../src/util/rng";
import { Budget, measure, Progress } from "./harness";
import { DISRUPTION_DESTS, DISRUPTION_FLOWS, REMOVALS, removalFigures, sample } from "./sched-disruption";

export const MAGLEV_IMPL = `maglev-${MAGLEV_DEFAULT_M}` as const;
export const MAGLEV_IMPLS = [MAGLEV_IMPL, `${MAGLEV_IMPL}-ts`] as const;
const seeds = maglevSeeds();
const backendsOf = (n: number): Backend[] =>
  maglevOrder(Array.from({ length: n }, (_, i) => ({ addr: 0x0af40001 + i, port: 8080 })));

/** Pick cases at each n: WASM against the TS twin on the same flows (refused if they disagree). */
export function maglevPicks(
  impls: readonly (typeof MAGLEV_IMPLS)[number][],
  dests: number[],
  batchSize: number,
  batch: WasmBatch,
  budget: Budget,
  progress: Progress,
): PickCase[] {
  const out: PickCase[] = [];
  for (const n of dests) {
    const bs = backendsOf(n),
      w = new WasmMaglev(MAGLEV_DEFAULT_M, bs, seeds),
      ts = maglevTable(bs, MAGLEV_DEFAULT_M, seeds.murmur);
    try {
      for (let k = 0; k < batch.capacity; k++) {
        batch.dport[k] = 80;
        batch.proto[k] = 6;
      }
      w.pick(batch, 0, batchSize);
      for (let k = 0; k < batchSize; k++) {
        if (batch.out[k] !== maglevPick(ts, batch.saddr[k], batch.sport[k], 80, 6, seeds.jhash4))
          throw new SvcbenchError(`${MAGLEV_IMPL}: WASM and TS twin disagree at ${n} backends`);
      }
      let at = 0;
      const next = () => {
        const s = at;
        at = (at + batchSize) % batch.capacity;
        return s;
      };
      // The columns are taken once per call, as the other TS twins take them (src/reference/ipvs.ts schedule).
      const twin = () => {
        const s = next(),
          { saddr: S, sport: P, dport: T, proto: R, out: O } = batch,
          seed = seeds.jhash4;
        for (let k = s; k < s + batchSize; k++) O[k] = maglevPick(ts, S[k], P[k], T[k], R[k], seed);
      };
      for (const impl of impls) {
        progress.step(`sched ${impl} ${n} backends`);
        const m = measure(
          `${impl} n=${n}`,
          impl === MAGLEV_IMPL ? () => w.pick(batch, next(), batchSize) : twin,
          batchSize,
          budget,
        );
        out.push({ suite: "sched", impl, n, batch: batchSize, ...m, table_size: MAGLEV_DEFAULT_M });
      }
    } finally {
      w.dispose();
    }
  }
  return out;
}

/** Disruption and slot balance at each N of DISRUPTION_DESTS. */
export function maglevDisruption(seed: number, budget: Budget, progress: Progress): DisruptionCase[] {
  const out: DisruptionCase[] = [];
  const flows = new WasmBatch(DISRUPTION_FLOWS),
    rng = new Rng(seed + 4),
    clients = new Rng(seed + 3);
  for (let k = 0; k < DISRUPTION_FLOWS; k++) {
    flows.saddr[k] = clients.u32();
    flows.sport[k] = 1024 + clients.below(64512);
    flows.dport[k] = 80;
    flows.proto[k] = 6;
  }
  const addrs = (t: WasmMaglev, bs: Backend[]) => {
    t.pick(flows, 0, DISRUPTION_FLOWS);
    return Array.from(flows.out, (p) => bs[p].addr);
  };
  const share = (a: number[], f: (x: number, i: number) => boolean) =>
    a.reduce((k, x, i) => k + (f(x, i) ? 1 : 0), 0) / a.length;
  try {
    for (const n of DISRUPTION_DESTS) {
      progress.step(`sched ${MAGLEV_IMPL} disruption ${n} backends`);
      const bs = backendsOf(n),
        t = new WasmMaglev(MAGLEV_DEFAULT_M, bs, seeds);
      try {
        const before = addrs(t, bs);
        const slots = new Array<number>(n).fill(0);
        for (const p of t.entries()) slots[p]++;
        const extra = { addr: 0x0af40001 + n, port: 8080 },
          plus = maglevOrder([...bs, extra]);
        t.rebuild(plus);
        const added = share(addrs(t, plus), (x, i) => x !== before[i]);
        const m = measure(
          `${MAGLEV_IMPL} change n=${n}`,
          () => {
            t.rebuild(plus);
            t.rebuild(bs);
          },
          2,
          budget,
        );
        const moved: number[] = [],
          held: number[] = [];
        for (const i of sample(
          bs.map((_, i) => i),
          REMOVALS,
          rng,
        )) {
          const rest = bs.filter((_, j) => j !== i);
          t.rebuild(rest);
          moved.push(share(addrs(t, rest), (x, k) => x !== before[k]));
          held.push(share(before, (x) => x === bs[i].addr));
        }
        out.push({
          suite: "sched",
          impl: MAGLEV_IMPL,
          n,
          scenario: "disruption",
          ...m,
          timed: "one backend added or removed, table rebuilt (GetLookupTable)",
          ...removalFigures(moved, held, n),
          removal: `mean of ${moved.length} backends drawn at random`,
          moved_add: added,
          ideal_add: 1 / (n + 1),
          dests_with_entries: slots.filter((s) => s > 0).length / n,
          table_size: MAGLEV_DEFAULT_M,
          over_table: n > MAGLEV_DEFAULT_M,
          flows: DISRUPTION_FLOWS,
          slots_max_over_mean: Math.max(...slots) / (MAGLEV_DEFAULT_M / n),
          slots_min_over_mean: Math.min(...slots) / (MAGLEV_DEFAULT_M / n),
        });
      } finally {
        t.dispose();
      }
    }
  } finally {
    flows.dispose();
  }
  return out;
}
