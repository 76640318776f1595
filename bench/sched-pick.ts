// The sched suite's pick cases: what one scheduler pick costs at 2 … 1000 dests, IPVS's (WASM vs TS
// twin) and Cilium's Maglev (sched-maglev.ts), and the pods, batches and clients the sched cases share.
import { SvcbenchError } from "../src/core";
import { SCHEDULERS } from "../src/ipvs";
import { TsService } from "../src/reference/ipvs";
import { CaseResult, PickCase } from "../src/report/cases";
import { WasmBatch } from "../src/wasm/batch";
import { WasmService } from "../src/wasm/ipvs";
import { Rng } from "../src/util/rng";
import { Budget, measure, Progress } from "./harness";
import { MAGLEV_IMPLS, maglevPicks } from "./sched-maglev";

export const PICK_DESTS = [2, 10, 100, 1000];
export const PICK_BATCH = 1024;
const PICK_POOL = 4096;

export const speedOf = (i: number) => 1 + (i % 4);
export const podSpec = (i: number, weight: number) => ({ addr: 0x0af40001 + i, port: 8080, weight });

/** A task that runs the next window of `size` packets of a pool of `pool` on each call. */
export function cycling(size: number, pool: number, run: (start: number) => void): () => void {
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

/** Each scheduler's pick at PICK_DESTS dests, WASM and its TS twin (checked to agree first). */
export function picks(impls: readonly string[], seed: number, budget: Budget, progress: Progress): CaseResult[] {
  const cases: CaseResult[] = [];
  const batch = new WasmBatch(PICK_POOL),
    rng = new Rng(seed);
  fillClients(batch, PICK_POOL, rng);
  try {
    for (const n of PICK_DESTS) {
      for (const name of SCHEDULERS) {
        const wantedImpls = [name, `${name}-ts`].filter((i) => impls.includes(i));
        if (wantedImpls.length === 0) continue;
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
            if (!wantedImpls.includes(impl)) continue;
            progress.step(`sched ${impl} ${n} dests`);
            // Each pick counts as a new connection (activeconns++), so the least-connection ones move on.
            const m = measure(
              `${impl} n=${n}`,
              cycling(PICK_BATCH, PICK_POOL, (at) => s.schedule(batch, at, PICK_BATCH, true)),
              PICK_BATCH,
              budget,
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

/** Cilium's Maglev pick at PICK_DESTS backends (sched-maglev.ts), on the same clients as the IPVS picks. */
export function maglev(
  impls: (typeof MAGLEV_IMPLS)[number][],
  seed: number,
  budget: Budget,
  progress: Progress,
): CaseResult[] {
  if (impls.length === 0) return [];
  const batch = new WasmBatch(PICK_POOL);
  try {
    fillClients(batch, PICK_POOL, new Rng(seed));
    return maglevPicks(impls, PICK_DESTS, PICK_BATCH, batch, budget, progress);
  } finally {
    batch.dispose();
  }
}
