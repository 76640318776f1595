// What a node pays for a sync, per kube-proxy mode and N: kube-proxy's own loop (estimated by the
// model's V8 time for the same sync) plus the tool and the kernel (the calibration profile at what
// that sync writes and what the table holds). The model's end-to-end time is kept beside it as
// simulator time, never added to the node's.
import { CaseResult, SyncChangeCase } from "../report/cases";
import { changesOf } from "../report/sync-targets";
import { predict, Predicted } from "./cost";
import { Profile, Step } from "./schema";

/** How one mode's syncs map onto the sync suite's cases and the kernel suite's steps. */
export interface ModeSpec {
  label: string;
  backend?: string;
  partial: { impl: string; step?: Step };
  /** initial: the model's first sync (initial_sync_ms) stands for a full sync of this mode. */
  full: { impl: string; step?: Step; initial?: boolean };
}

export const MODES: readonly ModeSpec[] = [
  {
    label: "iptables (legacy)",
    backend: "iptables-legacy-restore",
    partial: { impl: "iptables-partial", step: "partial-resync" },
    full: { impl: "iptables-full", step: "full-resync" },
  },
  {
    label: "iptables (nft backend)",
    backend: "iptables-nft-restore",
    partial: { impl: "iptables-partial", step: "partial-resync" },
    full: { impl: "iptables-full", step: "full-resync" },
  },
  {
    label: "nftables",
    backend: "nft-f",
    partial: { impl: "nftables", step: "add-service" },
    full: { impl: "nftables", step: "first-load", initial: true },
  },
  { label: "ipvs", partial: { impl: "ipvs" }, full: { impl: "ipvs", initial: true } },
];

/** The change a partial sync carries: one more pod behind one Service. */
const SYNC_SCENARIO = "add-pod" as const;

/** The per-sync work the sync suite counts where it does (absent from older sync.json files). */
const WORK_FIELDS = ["svc_ports_visited", "endpoints_categorized", "objects_compared", "netlink_calls"] as const;
export type Work = Partial<Record<(typeof WORK_FIELDS)[number], number>>;

/**
 * What the model's sync of one mode did at N: its time, the text it wrote and its work, measured or
 * interpolated log-log.
 */
interface SyncShape {
  userspace_ns: number;
  simulator_ns: number;
  bytes_written: number;
  bytes_held: number;
  interpolated: boolean;
  work?: Work;
}

function workOf(c: SyncChangeCase): Work | undefined {
  const w: Work = {};
  for (const k of WORK_FIELDS) {
    const v = c[k];
    if (v !== undefined) w[k] = v;
  }
  return Object.keys(w).length > 0 ? w : undefined;
}

const num = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);

function shapeOf(c: SyncChangeCase, initial: boolean): Omit<SyncShape, "interpolated"> | undefined {
  const init = num(c.initial_sync_ms),
    held = num(c.initial_bytes);
  const userspace = initial ? (init !== undefined ? init * 1e6 : undefined) : num(c.sync_ns);
  const simulator = initial ? userspace : c.median_ns;
  const written = initial ? held : num(c.bytes_written);
  if (userspace === undefined || simulator === undefined || written === undefined || held === undefined)
    return undefined;
  return { userspace_ns: userspace, simulator_ns: simulator, bytes_written: written, bytes_held: held };
}

/** Log-log between the two measured sizes around n (the nearest two beyond the range). */
function between(pts: { n: number; v: Omit<SyncShape, "interpolated"> }[], n: number): Omit<SyncShape, "interpolated"> {
  const above = pts.findIndex((p) => p.n >= n);
  const i = above === -1 ? pts.length - 1 : Math.max(1, above);
  const [a, b] = [pts[i - 1], pts[i]];
  const f = Math.log(n / a.n) / Math.log(b.n / a.n);
  const lerp = (x: number, y: number) => Math.exp(Math.log(x) + f * (Math.log(y) - Math.log(x)));
  return {
    userspace_ns: lerp(a.v.userspace_ns, b.v.userspace_ns),
    simulator_ns: lerp(a.v.simulator_ns, b.v.simulator_ns),
    bytes_written: lerp(a.v.bytes_written, b.v.bytes_written),
    bytes_held: lerp(a.v.bytes_held, b.v.bytes_held),
  };
}

export function syncShape(
  sync: readonly CaseResult[],
  impl: string,
  n: number,
  endpoints: number,
  initial = false,
): SyncShape | undefined {
  const curve = changesOf(sync).filter(
    (c) => c.impl === impl && c.scenario === SYNC_SCENARIO && c.endpoints === endpoints,
  );
  const pts = curve
    .flatMap((c) => {
      const v = shapeOf(c, initial);
      return v && v.bytes_written > 0 ? [{ n: c.n, v, c }] : [];
    })
    .sort((a, b) => a.n - b.n);
  const exact = pts.find((p) => p.n === n);
  if (exact) {
    const work = initial ? undefined : workOf(curve.find((c) => c.n === n) ?? exact.c);
    return { ...exact.v, interpolated: false, ...(work && { work }) };
  }
  return pts.length >= 2 ? { ...between(pts, n), interpolated: true } : undefined;
}

export interface NodeSync {
  userspace_ns: number;
  simulator_ns: number;
  tool?: Predicted;
  total_ns?: number;
  interpolated: boolean;
  work?: Work;
}

export function nodeSync(
  p: Profile,
  m: ModeSpec,
  kind: "partial" | "full",
  sync: readonly CaseResult[],
  n: number,
  endpoints: number,
): NodeSync | undefined {
  const which = m[kind];
  const s = syncShape(sync, which.impl, n, endpoints, kind === "full" && "initial" in which && which.initial === true);
  if (!s) return undefined;
  const step = which.step;
  const x = step === "first-load" || step === "full-resync" ? s.bytes_written : s.bytes_held;
  const tool = m.backend && step ? predict(p, m.backend, step, x) : undefined;
  return {
    userspace_ns: s.userspace_ns,
    simulator_ns: s.simulator_ns,
    ...(tool && { tool, total_ns: s.userspace_ns + tool.ns }),
    interpolated: s.interpolated,
    ...(s.work && { work: s.work }),
  };
}
