// What a sync costs a node, from its counts and the calibration profile (src/calibrate/): kube-proxy's own
// loop, then the tool and the kernel at what the sync writes and what the table holds, as the report's
// "What a node pays" reads the same profile (src/calibrate/node-cost.ts):
// - iptables: a full sync is the full-resync function at the bytes written; a partial sync is the
//   partial-resync function at the bytes the table holds, plus, for a sync carrying more than one
//   Service's change, what the bytes beyond a one-change sync add to a full resync of this table
//   (F(full) − F(full − extra): the last bytes' share, without the load's fixed cost);
// - nftables: a full sync is the first-load function at the bytes written; a partial one add-service
//   at the bytes held, plus the same share of a first load;
// - ebpf: as nftables with the profile's bpf backend (its bytes held: map entries × the bytes per entry
//   of the profile's own first loads); without one the mode is not calibrated and is not costed;
// - ipvs: the kernel suite does not time netlink calls, so ipvs's tool part is assumed (IPVS_ASSUMED)
//   and every ipvs figure that depends on it is flagged as assumed.
// kube-proxy's loop: the profile's per-mode costs fitted from the sync suite (simulator time as an estimate
// of kube-proxy's Go loop, not measured); a profile without them falls back to the assumed LOOP_NS.
// Every figure is node time on the profile's machine, never simulator time.
import { costAt, functionOf, Predicted } from "../calibrate/cost";
import { firstPacketAt } from "../calibrate/first-packet";
import { loopNsOf } from "../calibrate/loop-fit";
import { LoopFit, LoopMode, Profile, Step } from "../calibrate/schema";
import { shapeSnapshot } from "../snapshot/shape";
import { ClusterCounts } from "./counts";
import { BACKEND, CONFIG_MODE, PredictMode, PREDICT_MODES } from "./modes";
import { ebpfShape } from "./shape-objects";

/** How a mode's tool cost is known: fitted from the kernel suite, assumed constants, or not at all. */
export type CostSource = "measured" | "assumed" | "not calibrated";

interface SyncParts {
  readonly loopNs: number;
  readonly toolNs: number;
  /** The tool's cost lies beyond the profile's measured range (the fitted power carries on). */
  readonly extrapolated: boolean;
}

/** A sync: full, or partial carrying the changes summed into bytesWritten / linesWritten / netlinkWrites. */
export interface SyncCounts {
  readonly full: boolean;
  /**
   * Service ports kube-proxy's loop visits and endpoints it categorizes (every one, but for ebpf: Cilium's agent visits
   * the changed Services only).
   */
  readonly portsVisited: number;
  readonly endpointsCategorized: number;
  readonly linesWritten: number;
  readonly bytesWritten: number;
  /** ipvs: real and virtual servers added or deleted. */
  readonly netlinkWrites: number;
}

/** How kube-proxy's loop is costed: fitted from the sync suite (the profile's loop part), or assumed. */
type LoopSource = "fitted" | "assumed";

/**
 * kube-proxy's loop per sync when the profile has no fit for the mode: each service port visited and
 * its endpoints categorized (proxy.CategorizeEndpoints), each line or command generated. Assumed
 * constants of Go code of this kind, in ns.
 */
const LOOP_NS = { perServicePort: 1000, perEndpoint: 200, perLine: 300 } as const;

/** The sync suite's loop mode a prediction's mode runs (both iptables backends share kube-proxy's loop). */
const loopModeOf = (m: PredictMode): LoopMode => CONFIG_MODE[m] ?? "ebpf";

/** Assumed ipvs costs (ns): a netlink call, a real server listed, a service-table bucket entry walked. */
const IPVS_ASSUMED = { perNetlinkCall: 5000, perRealServerListed: 200, perBucketEntry: 5 } as const;
/** ip_vs_svc_table buckets (IP_VS_SVC_TAB_BITS 8). */
const IPVS_SVC_BUCKETS = 256;

interface Steps {
  backend: string;
  small: Step;
  big: Step;
}

export class SyncCost {
  readonly name: string;
  readonly machine: string;
  readonly date: string;
  readonly source: Readonly<Record<PredictMode, CostSource>>;
  readonly loopSource: Readonly<Record<PredictMode, LoopSource>>;
  private readonly loop = new Map<PredictMode, LoopFit>();
  private readonly steps = new Map<PredictMode, Steps>();
  /** ebpf: bytes of the bpf backend's text per map entry. */
  private bpfBytesPerEntry = NaN;

  constructor(
    readonly profile: Profile,
    readonly file: string,
  ) {
    this.name = `${profile.name} (${file})`;
    const m = profile.machine;
    const tools = Object.keys(m.tools).length ? `; ${Object.values(m.tools).join("; ")}` : "";
    this.machine = `${m.cpu} × ${m.cores}, kernel ${m.kernel}${tools}`;
    this.date = profile.source.date;
    const source = {} as Record<PredictMode, CostSource>;
    for (const mode of PREDICT_MODES) {
      const want = BACKEND[mode];
      if (want === undefined) {
        source[mode] = "assumed";
        continue;
      }
      const backend =
        typeof want === "string" ? want : profile.functions.map((f) => f.backend).find((b) => want.test(b));
      const [small, big]: [Step, Step] = mode.startsWith("iptables")
        ? ["partial-resync", "full-resync"]
        : ["add-service", "first-load"];
      const ok =
        backend !== undefined &&
        functionOf(profile, backend, small) !== undefined &&
        functionOf(profile, backend, big) !== undefined;
      if (ok) this.steps.set(mode, { backend, small, big });
      source[mode] = ok ? "measured" : "not calibrated";
    }
    const bpf = this.steps.get("ebpf");
    if (bpf) {
      // The kernel suite's cluster: E endpoints per Service; its first load's bytes per Service over the ebpf proxier's
      // entries.
      const f = functionOf(profile, bpf.backend, "first-load")!,
        top = [...f.points].sort((a, b) => b.n - a.n)[0];
      const entries = ebpfShape(shapeSnapshot(1, [{ endpoints: profile.source.endpoints, share: 1 }]).services[0]).held;
      this.bpfBytesPerEntry = top.x / top.n / entries;
    }
    this.source = source;
    const loopSource = {} as Record<PredictMode, LoopSource>;
    for (const mode of PREDICT_MODES) {
      const fit = profile.loop?.fits.find((f) => f.mode === loopModeOf(mode));
      if (fit) this.loop.set(mode, fit);
      loopSource[mode] = fit ? "fitted" : "assumed";
    }
    this.loopSource = loopSource;
  }

  /** The loop's costs for the output: per mode, fitted (with the sync results it came from) or assumed. */
  loopNote(): string {
    const fitted = PREDICT_MODES.filter((m) => this.loop.has(m));
    const assumed = PREDICT_MODES.filter((m) => !this.loop.has(m));
    const parts: string[] = [];
    const fits = [...new Set(fitted.map((m) => this.loop.get(m)!))];
    if (fits.length > 0)
      parts.push(
        `kube-proxy's own loop fitted from the sync suite ` +
          `(${this.profile.loop?.source.file}, ${this.profile.loop?.source.date.slice(0, 10)}): ` +
          `the model's V8 sync time as an estimate of kube-proxy's Go loop, which is not measured (${fits
            .map(
              (f) =>
                `${f.mode}: ${f.per_port_ns.toFixed(0)} ns per service port, ` +
                `${f.per_endpoint_ns.toFixed(0)} ns per endpoint, ${f.per_byte_ns.toFixed(1)} ns per byte written`,
            )
            .join("; ")})`,
      );
    if (assumed.length > 0)
      parts.push(
        `loop cost: assumed for ${assumed.join(", ")} (the profile has no fit from the sync suite: ` +
          `${LOOP_NS.perServicePort / 1000} µs per service port, ${LOOP_NS.perEndpoint / 1000} µs per endpoint, ` +
          `${LOOP_NS.perLine / 1000} µs per line written)`,
      );
    return `${parts.join("; ")}.`;
  }

  private at(mode: PredictMode, step: Step, x: number): Predicted {
    return costAt(functionOf(this.profile, this.steps.get(mode)!.backend, step)!, x);
  }

  /** The bytes the profile's driver counts for what this table holds (its first load's text). */
  private bytesHeld(c: ClusterCounts): number {
    return c.mode === "ebpf" ? c.held * this.bpfBytesPerEntry : c.full.bytes;
  }

  loopNs(mode: PredictMode, w: SyncCounts): number {
    const fit = this.loop.get(mode);
    if (fit) return loopNsOf(fit, { ports: w.portsVisited, endpoints: w.endpointsCategorized, bytes: w.bytesWritten });
    return (
      w.portsVisited * LOOP_NS.perServicePort +
      w.endpointsCategorized * LOOP_NS.perEndpoint +
      w.linesWritten * LOOP_NS.perLine
    );
  }

  /**
   * The cost of one sync of this cluster, with what depends on the cluster alone (the tool's whole-table and
   * small-step costs) worked out once for all its syncs. NaN parts when the mode is not calibrated.
   */
  syncCost(c: ClusterCounts, oneChangeBytes: number): (w: SyncCounts) => SyncParts {
    if (c.mode === "ipvs") {
      // netlink lists and writes, plus ipvs mode's small iptables-restore (fixed chains matching ipsets).
      const restore =
        functionOf(this.profile, "iptables-legacy-restore", "partial-resync")?.a_ns ??
        this.profile.source.exec_overhead_ns ??
        0;
      return (w) => ({
        loopNs: this.loopNs(c.mode, w),
        toolNs:
          (c.netlinkReads + w.netlinkWrites) * IPVS_ASSUMED.perNetlinkCall +
          c.endpoints * IPVS_ASSUMED.perRealServerListed +
          restore,
        extrapolated: false,
      });
    }
    const s = this.steps.get(c.mode);
    if (!s) return () => ({ loopNs: NaN, toolNs: NaN, extrapolated: false });
    const full = c.mode === "ebpf" ? this.bytesHeld(c) : c.full.bytes;
    const big = this.at(c.mode, s.big, full);
    const small = this.at(c.mode, s.small, this.bytesHeld(c));
    return (w) => {
      const loop = this.loopNs(c.mode, w);
      if (w.full) return { loopNs: loop, toolNs: big.ns, extrapolated: big.extrapolated };
      // The bytes beyond a one-change sync cost what they add to a whole load of this table (its last bytes'
      // share); ebpf's are bpf() payload bytes, turned into the profile's text bytes.
      const extra = Math.min(
        full,
        Math.max(0, w.bytesWritten - oneChangeBytes) * (c.mode === "ebpf" ? full / c.full.bytes : 1),
      );
      const more = extra > 0 ? Math.max(0, big.ns - this.at(c.mode, s.big, full - extra).ns) : 0;
      return { loopNs: loop, toolNs: small.ns + more, extrapolated: small.extrapolated };
    };
  }

  /** A connection's first packet: the lookup's added ns, mean over Services and for the last one. */
  firstPacket(c: ClusterCounts, services: number): { meanNs: number; worstNs: number } {
    if (c.mode === "ipvs") {
      const ns = (c.virtualServers / IPVS_SVC_BUCKETS / 2) * IPVS_ASSUMED.perBucketEntry;
      return { meanNs: ns, worstNs: ns };
    }
    const s = this.steps.get(c.mode);
    const f = s && firstPacketAt(this.profile, s.backend, services, Math.max(1, c.kubeServicesRules));
    return f ? { meanNs: f.mean_added_ns, worstNs: f.worst_added_ns } : { meanNs: NaN, worstNs: NaN };
  }
}
