// The sync suite: the time from a change (a new Service, one more pod, a burst of 100 pods) to rules
// that route it, per kube-proxy mode, as the number of Services grows; the timed work is the event
// through the endpoints controller, kube-proxy's change trackers and one sync that programs the
// model kernel (iptables-restore into tables and a WebAssembly KUBE-SERVICES chain, nft transactions
// into WebAssembly verdict maps, IPVS virtual services in the WebAssembly service table, userspace
// portals and its balancer); sync_ns is the sync alone, the model work. Each change (sync-scenario.ts)
// is undone, untimed, before the next sample; every case has at least MIN_SYNC_SAMPLES timed samples,
// after a warmup sample below NO_WARMUP_FROM_N Services.
import { getHeapStatistics } from "node:v8";
import { SvcbenchError } from "../src/core";
import { IptablesProxier } from "../src/proxy/iptables/proxier";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { newProxier } from "../src/proxy/modes";
import { PROXY_MODES, ProxyMode, SyncStats } from "../src/proxy/types";
import { SyncCase } from "../src/report/cases";
import { Budget, Progress } from "./harness";
import { Suite, SuiteOptions, SuiteRun, wanted } from "./suite";
import { buildCluster } from "./sync-cluster";
import { DIAL_MAX_N, userspaceDials } from "./sync-dials";
import { BURST, endpointChanges, measureScenario, scenario, SYNC_SCENARIOS, SyncScenario } from "./sync-scenario";
import { syncTable } from "./sync-table";

export { buildCluster, newService } from "./sync-cluster";
export type { Cluster, NewService } from "./sync-cluster";
export { endpointChanges, MIN_SYNC_SAMPLES } from "./sync-scenario";
export type { SyncScenario } from "./sync-scenario";

const SYNC_SIZES = [100, 1000, 10000, 100000];
const SYNC_ENDPOINTS = [2, 10];
/**
 * Without --full, E = 10 stops here: 100k Services × 10 pods is a million pods and 3.5 million iptables rules
 * per full sync.
 */
const LARGE_E_MAX_N = 10000;
/**
 * Without --full, ebpf-maglev takes E = 10 only up to here: its first sync builds a Maglev table of
 * 16381 ids per frontend (seconds at 10k), and a change costs one table whatever N is.
 */
const MAGLEV_LARGE_E_MAX_N = 1000;
/**
 * From this many Services on, a case takes no warmup sample. Its sync already ran the same code over
 * every service port in the initial sync and, within each sample, over thousands of ports (V8 optimizes
 * such loops within the first sample); a warmup would cost as much as a timed sample (seconds at 100k).
 */
const NO_WARMUP_FROM_N = 10000;
/** The share of --time each sync case samples for (120 cases in a default run). */
const SYNC_TIME_SHARE = 0.25;

interface SyncOptions {
  sizes: number[];
  endpoints: number[];
  /** Largest N measured with more than 2 endpoints per Service. */
  largeEMaxN: number;
  /** The same for ebpf-maglev (default: largeEMaxN). */
  maglevLargeEMaxN?: number;
  seed: number;
  budget: Budget;
  impls: ProxyMode[];
  /** The scenarios to time (default: all of SYNC_SCENARIOS). */
  scenarios?: readonly SyncScenario[];
}

/** Heap the 100k × 10 cases need (a million pods, and a first nft transaction of ~5 million commands). */
const FULL_HEAP_BYTES = 12 * 2 ** 30;

/** The suite's options; refused up front (before any suite runs) when the heap cannot hold the largest shapes. */
function syncOptions(o: SuiteOptions): SyncOptions {
  const s: SyncOptions = {
    sizes: o.sizes ?? SYNC_SIZES,
    endpoints: SYNC_ENDPOINTS,
    largeEMaxN: o.full ? Infinity : LARGE_E_MAX_N,
    maglevLargeEMaxN: o.full ? Infinity : MAGLEV_LARGE_E_MAX_N,
    seed: o.seed,
    budget: { ...o.budget, time: o.budget.time * SYNC_TIME_SHARE },
    impls: PROXY_MODES.filter((m) => wanted(o, "sync", m)),
  };
  const big = s.impls.length === 0 ? [] : shapes(s).filter(([n, e]) => n * e > 200_000);
  const heap = getHeapStatistics().heap_size_limit;
  if (big.length > 0 && heap < FULL_HEAP_BYTES) {
    throw new SvcbenchError(
      `sync: ${big.map(([n, e]) => `N=${n} × E=${e}`).join(", ")} needs a heap of ${FULL_HEAP_BYTES / 2 ** 30} GiB, ` +
        `this one has ${(heap / 2 ** 30).toFixed(1)}: run with NODE_OPTIONS=--max-old-space-size=${FULL_HEAP_BYTES / 2 ** 20}, or without --full`,
    );
  }
  return s;
}

/** The (N, E) pairs a run measures. */
function shapes(o: SyncOptions): [number, number][] {
  return o.sizes.flatMap((n) =>
    o.endpoints.filter((e) => e <= 2 || n <= o.largeEMaxN).map((e): [number, number] => [n, e]),
  );
}

/** The modes measured at one shape. */
function implsAt(o: SyncOptions, n: number, e: number): ProxyMode[] {
  return o.impls.filter((m) => m !== "ebpf-maglev" || e <= 2 || n <= (o.maglevLargeEMaxN ?? o.largeEMaxN));
}

export function syncCaseCount(o: SyncOptions): number {
  const perShape = shapes(o).reduce((sum, [n, e]) => sum + implsAt(o, n, e).length, 0);
  return (
    perShape * (o.scenarios ?? SYNC_SCENARIOS).length + (o.impls.includes("userspace") && o.sizes.length > 0 ? 1 : 0)
  );
}

/** What the case's last sync visited and compared (kube-proxy's per-sync loop), as named fields. */
function workFields(st: SyncStats | undefined) {
  return {
    svc_ports_visited: st?.svcPortsVisited ?? 0,
    endpoints_categorized: st?.endpointsCategorized ?? 0,
    objects_compared: st?.objectsCompared ?? 0,
    netlink_calls: st?.netlinkCalls ?? 0,
  };
}

/**
 * Modes that can share one proxier's kernel state: iptables partial, then full (last: its undos stay
 * unsynced), on the same tables.
 */
function groups(impls: ProxyMode[]): ProxyMode[][] {
  const ipt = impls
    .filter((m) => m.startsWith("iptables-"))
    .sort()
    .reverse(); // partial first
  return [...impls.filter((m) => !m.startsWith("iptables-")).map((m) => [m]), ...(ipt.length > 0 ? [ipt] : [])];
}

/** The cases, and a note for each mode that could not run at a size, and why. */
export function runSync(o: SyncOptions, progress: Progress): SuiteRun<SyncCase> {
  const cases: SyncCase[] = [],
    notes: string[] = [];
  for (const [n, e] of shapes(o)) {
    {
      const c = buildCluster(n, e, o.seed);
      for (const group of groups(implsAt(o, n, e))) {
        const proxier = newProxier(group[0], c.store);
        const kp = new KubeProxy(c.store, proxier);
        try {
          const t0 = performance.now();
          let init: SyncStats | undefined;
          try {
            init = kp.flush();
          } catch (err) {
            // A mode that cannot hold this many Services (userspace: one local port per service port).
            if (!(err instanceof SvcbenchError)) throw err;
            for (const impl of group)
              for (const name of o.scenarios ?? SYNC_SCENARIOS)
                progress.step(`sync ${impl} ${name} N=${n} E=${e}: cannot run`);
            notes.push(`${group.join(", ")} not measured at N=${n}, E=${e}: ${err.message}`);
            continue;
          }
          const initialMs = performance.now() - t0;
          for (const impl of group) {
            if (proxier instanceof IptablesProxier) proxier.partial = impl === "iptables-partial";
            for (const name of o.scenarios ?? SYNC_SCENARIOS) {
              progress.step(`sync ${impl} ${name} N=${n} E=${e}`);
              const s = scenario(name, c, kp, e, impl === "iptables-full", `${o.seed}/${impl}/${name}/${n}/${e}`);
              const m = measureScenario(`${impl} ${name} N=${n} E=${e}`, s, o.budget, n < NO_WARMUP_FROM_N);
              cases.push({
                suite: "sync",
                impl,
                n,
                scenario: name,
                endpoints: e,
                ...m,
                changes: name === "burst-100" ? BURST : 1,
                endpoint_changes: endpointChanges(name, e),
                rules_written: s.last?.rulesWritten ?? 0,
                bytes_written: s.last?.bytesWritten ?? 0,
                ...workFields(s.last),
                synced_services: s.last?.services ?? 0,
                full_sync: s.last?.full ?? false,
                initial_sync_ms: Number(initialMs.toFixed(1)),
                initial_rules: init?.rulesWritten ?? 0,
                initial_bytes: init?.bytesWritten ?? 0,
              });
            }
          }
        } finally {
          kp.stop();
          proxier.dispose();
        }
      }
      c.controller.stop();
    }
  }
  if (o.impls.includes("userspace") && o.sizes.length > 0) {
    progress.step("sync userspace dial-retries");
    cases.push(userspaceDials(o.sizes[0], o.seed, o.budget));
  }
  return { cases, notes };
}

export const syncSuite: Suite = {
  name: "sync",
  about: "ns from a change (new Service, one more pod, 100 pods) to rules applied, per proxy mode and N",
  file: "sync.json",
  caseCount: (o) => syncCaseCount(syncOptions(o)),
  sizes: (o) => {
    const s = syncOptions(o);
    const dials = s.impls.includes("userspace") && s.sizes.length > 0 ? [Math.min(s.sizes[0], DIAL_MAX_N)] : [];
    return [...new Set([...(s.impls.length > 0 ? shapes(s).map(([n]) => n) : []), ...dials])];
  },
  run: (o, progress) => runSync(syncOptions(o), progress),
  table: syncTable,
};
