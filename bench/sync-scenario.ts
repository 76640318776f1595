// The sync suite's changes and their undos (a new Service, one more pod, a burst of 100 pods), and how
// one is sampled with tinybench: prepare and undo untimed, the act (the event and its sync) timed.
import { Bench } from "tinybench";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { DEFAULT_MIN_SYNC_PERIOD_MS } from "../src/proxy/sync-runner";
import { SyncStats } from "../src/proxy/types";
import { median } from "../src/util/stats";
import { Budget, Measured, measuredOf } from "./harness";
import { Cluster, newService } from "./sync-cluster";

export const SYNC_SCENARIOS = ["create-service", "add-pod", "burst-100"] as const;
export type SyncScenario = (typeof SYNC_SCENARIOS)[number];
export const BURST = 100;
/**
 * Fewest timed samples per case: the slowest cases (an iptables full sync of
 * 100k Services takes seconds) get no more than these, so their median and p99 rest on three samples.
 */
export const MIN_SYNC_SAMPLES = 3;

/** One sample = prepare (untimed), act (timed), undo (untimed); the act's last sync is kept. */
export interface Scenario {
  prepare(): void;
  act(): void;
  undo(): void;
  last?: SyncStats;
  /** proxier.sync alone (ns) in each timed act that synced (not the warmup's). */
  readonly syncNs: number[];
  /** Set by the bench: false while warming up. */
  timed: boolean;
}

/** FNV-1a of a case's identity: which Service a case's extra pods join, the same in every run of the seed. */
function caseHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * One case's change and its undo. Every sample makes the very same objects (named and addressed from
 * the seed and the case, drawn once): each sample does the same work and reports the same counts.
 * deferUndo: the undo's events are delivered but its sync is left to the next timed sync. Only for
 * iptables full sync, whose work is the whole ruleset whichever Services changed, so folding one
 * more change into a sync does not change what it costs; it halves the wall time of the slowest cases.
 */
export function scenario(
  name: SyncScenario,
  c: Cluster,
  kp: KubeProxy,
  e: number,
  deferUndo: boolean,
  id: string,
): Scenario {
  const { store, workload: w } = c;
  const s: Scenario = {
    prepare: () => {
      kp.now += 2 * DEFAULT_MIN_SYNC_PERIOD_MS;
    }, // tokens for the next sync; a deferred undo stays pending
    act: () => {},
    undo: () => {},
    syncNs: [],
    timed: false,
  };
  const sync = () => {
    const stats = kp.flush();
    if (stats) s.last = stats;
    if (stats && s.timed) s.syncNs.push(kp.lastSyncNs); // userspace endpoint changes need no sync
  };
  const undoSync = () => {
    if (!deferUndo) kp.flush();
  };
  switch (name) {
    case "create-service": {
      const svc = newService(c, "new", e);
      s.prepare = () => {
        kp.now += 2 * DEFAULT_MIN_SYNC_PERIOD_MS; // tokens for the next sync; a deferred undo stays pending
        svc.addPods();
      };
      s.act = () => {
        svc.addService();
        sync();
      };
      s.undo = () => {
        svc.delete();
        undoSync();
      };
      break;
    }
    case "add-pod":
    case "burst-100": {
      const count = name === "add-pod" ? 1 : BURST,
        first = caseHash(id) % w.services.length;
      const pods = Array.from({ length: count }, (_, i) => w.pod((first + i) % w.services.length, `extra-${i}`));
      s.act = () => {
        for (const pod of pods) store.createPod(pod);
        sync();
      };
      s.undo = () => {
        for (const pod of pods) store.deletePod(pod.namespace, pod.name);
        undoSync();
      };
      break;
    }
  }
  return s;
}

/** End to end (the event, the controller, the trackers and the sync) and the sync alone (sync_ns, median). */
export function measureScenario(
  label: string,
  s: Scenario,
  budget: Budget,
  warmup: boolean,
): Measured & { sync_ns?: number } {
  const bench = new Bench({
    name: label,
    time: budget.time,
    iterations: MIN_SYNC_SAMPLES,
    throws: true,
    warmup,
    warmupIterations: 1,
    warmupTime: 0,
    setup: (_task, mode) => {
      s.timed = mode === "run";
    },
  });
  // tinybench calls the task once bare, outside beforeEach/afterEach (to see whether it is async): only a
  // prepared act runs.
  let prepared = false;
  bench.add(
    label,
    () => {
      if (prepared) {
        prepared = false;
        s.act();
      }
    },
    {
      beforeEach: () => {
        s.prepare();
        prepared = true;
      },
      afterEach: () => s.undo(),
    },
  );
  return { ...measuredOf(bench.runSync()[0], label), sync_ns: s.syncNs.length === 0 ? undefined : median(s.syncNs) };
}

/** Endpoints that appear with the change: the new Service's E pods, one pod, or 100. */
export function endpointChanges(name: SyncScenario, e: number): number {
  return name === "create-service" ? e : name === "burst-100" ? BURST : 1;
}
