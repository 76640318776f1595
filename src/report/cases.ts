// The case of each suite as its results file holds it: one type per suite, told apart by `suite`, with
// the impl and scenario names each suite writes. Times are ns per operation (per lookup, pick or sync).
import { CORE_IMPLS, ProxyMode } from "../modes";
import { SchedulerName } from "../ipvs";
import type { BalanceFigures } from "../workload/conns";

/** What every case has: the size, and the median, p99, rme (percent) and sample count of its times. */
interface Timed {
  n: number;
  median_ns: number;
  p99_ns: number;
  /** Relative margin of error of the mean, percent. */
  rme: number;
  samples: number;
}

// ----- lookup -----------------------------------------------------------------------------------

export const LOOKUP_CORES = CORE_IMPLS;
type LookupCore = (typeof LOOKUP_CORES)[number];
/** The cores whose batch lookup is staged, with a plain probe and DRAM rooflines beside them. */
export const HASH_CORES = ["vmap", "svctable-resizable"] as const;
export type HashCore = (typeof HASH_CORES)[number];
export type LookupImpl = LookupCore | "roofline" | `${HashCore}-plain` | `dram1-${HashCore}` | `dramG-${HashCore}`;
export type LookupScenario = `zipf-${number}` | `group-${number}` | "batch-sweep";

export interface LookupCase extends Timed {
  suite: "lookup";
  impl: LookupImpl;
  /** Packets per call. */
  batch: number;
  /** None: uniform traffic at batch 1024, the main table. */
  scenario?: LookupScenario;
  zipf_s?: number;
  /** Packets staged at once (the group sweep). */
  group?: number;
  /** The hash cores' batch probe at this size. */
  probe?: "staged" | "plain";
  /** WASM linear memory the core holds, and the most it held while growing. */
  wasm_bytes?: number;
  wasm_peak_bytes?: number;
  /** svctable: buckets, and service ports per bucket. */
  buckets?: number;
  mean_chain?: number;
  /** roofline: the sum of the bytes read, once over the pool. */
  checksum?: number;
  /** dram rooflines: the buffer read and the reads kept in flight. */
  buffer_bytes?: number;
  reads_in_flight?: number;
}

// ----- sched ------------------------------------------------------------------------------------

type MaglevImpl = `maglev-${number}`;

/** ns per pick of one scheduler at n dests (Cilium's Maglev: n backends). */
export interface PickCase extends Timed {
  suite: "sched";
  impl: SchedulerName | `${SchedulerName}-ts` | MaglevImpl | `${MaglevImpl}-ts`;
  batch: number;
  scenario?: undefined;
  table_size?: number;
}

/** ns per packet through the connection table: an established one (hit) or a first one (miss). */
export interface ConntrackCase extends Timed {
  suite: "sched";
  impl: "conntrack" | "conntrack-rsz" | "conntrack-ts";
  batch: number;
  scenario: "hit" | "miss";
  /** The service table behind it. */
  table: string;
  connections: number;
  buckets: number;
  distinct_services: number;
  includes?: string;
}

/** Balance over pods of different speeds (not timed): the figures of workload/conns.ts, and the traffic. */
export interface BalanceCase extends Timed, BalanceFigures {
  suite: "sched";
  impl: SchedulerName;
  scenario: "balance-kube-proxy" | "balance-capacity";
  timed: false;
  speeds: number[];
  weights: number[];
  load: number;
  connections: number;
  meanWorkMs: number;
  clients: number;
}

/** Flows moved when one dest is removed or added; the time is that change with its table rebuild. */
export interface DisruptionCase extends Timed {
  suite: "sched";
  impl: SchedulerName | MaglevImpl;
  scenario: "disruption";
  /** What the time is of. */
  timed: string;
  moved_remove: number;
  moved_remove_min: number;
  moved_remove_max: number;
  removed_share: number;
  ideal_remove: number;
  removals: number;
  removal: string;
  moved_add: number;
  ideal_add: number;
  dests_with_entries: number;
  table_size: number;
  over_table: boolean;
  flows: number;
  slots_max_over_mean?: number;
  slots_min_over_mean?: number;
}

export type SchedCase = PickCase | ConntrackCase | BalanceCase | DisruptionCase;

const isPick = (c: SchedCase): c is PickCase => c.scenario === undefined;
const isConntrack = (c: SchedCase): c is ConntrackCase => c.scenario === "hit" || c.scenario === "miss";
const isBalance = (c: SchedCase): c is BalanceCase =>
  c.scenario === "balance-kube-proxy" || c.scenario === "balance-capacity";
const isDisruption = (c: SchedCase): c is DisruptionCase => c.scenario === "disruption";

/** The sched suite's cases of each kind. */
export const picksOf = (all: readonly CaseResult[]) => casesOf(all, "sched").filter(isPick);
export const conntrackOf = (all: readonly CaseResult[]) => casesOf(all, "sched").filter(isConntrack);
export const balanceOf = (all: readonly CaseResult[]) => casesOf(all, "sched").filter(isBalance);
export const disruptionOf = (all: readonly CaseResult[]) => casesOf(all, "sched").filter(isDisruption);

// ----- sync -------------------------------------------------------------------------------------

export type SyncScenario = "create-service" | "add-pod" | `burst-${number}`;

/** What one sync wrote and visited (kube-proxy's per-sync loop). */
export interface SyncWork {
  rules_written: number;
  bytes_written: number;
  svc_ports_visited?: number;
  endpoints_categorized?: number;
  objects_compared?: number;
  netlink_calls?: number;
}

/** A change's time to rules that route it; sync_ns the sync alone. */
export interface SyncChangeCase extends Timed, SyncWork {
  suite: "sync";
  impl: ProxyMode;
  scenario: SyncScenario;
  endpoints: number;
  sync_ns?: number;
  changes: number;
  endpoint_changes: number;
  synced_services: number;
  full_sync: boolean;
  initial_sync_ms: number;
  initial_rules: number;
  initial_bytes: number;
}

/** The userspace proxier's dials when some pods refuse: ns per connection, and simulated attempts and times. */
export interface DialCase extends Timed {
  suite: "sync";
  impl: "userspace";
  scenario: "dial-retries";
  endpoints: number;
  refusing: number;
  mean_attempts: number;
  mean_connect_ms: number;
  p99_connect_ms: number;
  failed_share: number;
}

export type SyncCase = SyncChangeCase | DialCase;

// ----- kernel -----------------------------------------------------------------------------------

export const KERNEL_BACKENDS = ["iptables-legacy-restore", "iptables-nft-restore", "nft-f", "bpf-sock-lb"] as const;
export type KernelBackend = (typeof KERNEL_BACKENDS)[number];
export const MODEL_IMPLS = ["model-iptables-full", "model-iptables-partial", "model-nftables", "model-ebpf"] as const;
export type ModelImpl = (typeof MODEL_IMPLS)[number];
export const KERNEL_STEPS = ["first-load", "full-resync", "partial-resync", "add-service", "delete-service"] as const;
export type KernelStep = (typeof KERNEL_STEPS)[number];
export type KernelScenario = KernelStep | "connect";

/**
 * A real tool's step, a connect probe, or the model's sync of the same change: the wall time of the
 * step, what was loaded, and whether it ran past the time limit (its median is then the limit).
 */
export interface KernelCase extends Timed, Partial<SyncWork> {
  suite: "kernel";
  impl: KernelBackend | ModelImpl;
  scenario: KernelScenario;
  endpoints: number;
  /** The kube-proxy mode whose text was loaded. */
  mode: string;
  text_bytes?: number;
  text_lines?: number;
  over_limit?: boolean;
  limit_ns?: number;
  /** After a first load over the limit: how long the untimed load took. */
  untimed_load_ns?: number;
  not_tried?: string;
  /** connect: the probed ClusterIP:port and the KUBE-SERVICES rules before its rule. */
  service?: string;
  rules_before?: number;
  /** bpf-sock-lb: the maps' max_entries. */
  map_max?: number;
  /** model-*: the sync suite's scenario it times, and that case's fields. */
  model_scenario?: SyncScenario;
  sync_ns?: number;
  changes?: number;
  endpoint_changes?: number;
  synced_services?: number;
  full_sync?: boolean;
  initial_sync_ms?: number;
  initial_rules?: number;
  initial_bytes?: number;
}

// ----- all --------------------------------------------------------------------------------------

/** One measured case of any suite; `suite` tells which. */
export type CaseResult = LookupCase | SchedCase | SyncCase | KernelCase;
type SuiteName = CaseResult["suite"];
type CaseOf<S extends SuiteName> = Extract<CaseResult, { suite: S }>;

/** The cases of one suite, typed as that suite's. */
export function casesOf<S extends SuiteName>(all: readonly CaseResult[], suite: S): CaseOf<S>[] {
  return all.filter((c): c is CaseOf<S> => c.suite === suite);
}
