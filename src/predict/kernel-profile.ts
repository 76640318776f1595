// A cost model from `npm run bench:kernel`'s measurements (results/kernel.json): the real tools loading
// the proxiers' own texts into private network namespaces on one machine. Per backend two steps bound a
// sync: a small write (iptables: a partial resync, KUBE-SERVICES and one Service's chains; nft: one
// Service added) and a whole-table load (iptables: a full resync; nft: the first load). Each is a
// log-log curve of the rules or objects the table holds (interp.ts); a sync writing w lines at held h
// lies on the straight line between the two steps' (lines, cost) at h. The connect probe gives the first
// packet: a least-squares line of connect time against KUBE-SERVICES rules before the Service.
// ipvs was not measured: its netlink and restore costs are assumed constants, flagged as such.
import { z } from "zod";
import { InputError } from "../snapshot/input-error";
import { parseDoc, readText } from "../snapshot/read-doc";
import { shapeSnapshot } from "../snapshot/shape";
import { at, Curve, curve } from "./interp";
import { loopNs, SyncCostModel, SyncCounts, SyncParts } from "./cost-model";
import { countCluster } from "./counts";
import { PredictMode } from "./modes";
import { PINNED } from "./release";

const kernelCase = z.object({
  suite: z.literal("kernel"), impl: z.string(), n: z.number(), scenario: z.string(), median_ns: z.number(),
  endpoints: z.number().optional(), text_lines: z.number().optional(), over_limit: z.boolean().optional(), rules_before: z.number().optional(),
}).loose();
const kernelFile = z.object({
  env: z.object({ cpu: z.string(), cores: z.number(), date: z.string(), kernel: z.string().optional(), tools: z.record(z.string(), z.string()).optional(), exec_overhead_ns: z.number().optional() }).loose(),
  cases: z.array(z.object({ suite: z.string() }).loose()),
}).loose();

/** Assumed ipvs costs (ns): a netlink call, and the small iptables-restore ipvs mode runs each sync. */
export const IPVS_ASSUMED = { perNetlinkCall: 5000, perRealServerListed: 200, perBucketEntry: 5 } as const;
/** ip_vs_svc_table buckets (IP_VS_SVC_TAB_BITS 8). */
const IPVS_SVC_BUCKETS = 256;

interface Backend { small: Curve; big: Curve; smallLines: Curve; bigLines: Curve }

export class KernelProfile implements SyncCostModel {
  readonly name: string;
  readonly machine: string;
  readonly date: string;
  readonly calibrated: Record<PredictMode, boolean>;
  private readonly backends = new Map<PredictMode, Backend>();
  private readonly connect = new Map<PredictMode, { perRule: number; fixed: number }>();
  private nftFirstPacket = 0;
  private readonly restoreFloor: number;

  constructor(file: string, doc: unknown) {
    const r = kernelFile.safeParse(doc);
    const kind = "a kernel calibration (npm run bench:kernel's kernel.json: env and cases)";
    if (!r.success) throw new InputError(file, "profile", r.error.issues[0].path.join(".") || "(top level)", `is not ${kind}`);
    const env = r.data.env;
    const cases = r.data.cases.filter((c) => c.suite === "kernel").map((c, i) => {
      const k = kernelCase.safeParse(c);
      if (!k.success) throw new InputError(file, `cases[${i}]`, k.error.issues[0].path.join("."), k.error.issues[0].message);
      return k.data;
    });
    if (cases.length === 0) throw new InputError(file, "profile", "cases", `holds no kernel case; ${kind} is needed`);
    this.name = `kernel calibration ${file}`;
    this.machine = `${env.cpu}, ${env.cores} cores, kernel ${env.kernel ?? "?"}${env.tools ? `; ${Object.values(env.tools).join("; ")}` : ""}`;
    this.date = env.date;
    const heldAt = new Map<string, number>();
    const held = (mode: PredictMode, n: number, e: number) => {
      const k = `${mode}|${n}|${e}`;
      let h = heldAt.get(k);
      if (h === undefined) heldAt.set(k, (h = countCluster(mode, shapeSnapshot(n, [{ endpoints: e, share: 1 }]).services, PINNED.largeClusterEndpoints).held));
      return h;
    };
    const steps: [PredictMode, string, string, string][] = [
      ["iptables-legacy", "iptables-legacy-restore", "partial-resync", "full-resync"],
      ["iptables-nft", "iptables-nft-restore", "partial-resync", "full-resync"],
      ["nftables", "nft-f", "add-service", "first-load"],
    ];
    this.calibrated = { "iptables-legacy": false, "iptables-nft": false, nftables: false, ipvs: false };
    for (const [mode, impl, small, big] of steps) {
      const pts = (scenario: string, y: (c: (typeof cases)[number]) => number | undefined) => curve(cases
        .filter((c) => c.impl === impl && c.scenario === scenario && c.over_limit !== true)
        .map((c) => [held(mode, c.n, c.endpoints ?? 2), y(c) ?? NaN] as [number, number]));
      const b = { small: pts(small, (c) => c.median_ns), big: pts(big, (c) => c.median_ns), smallLines: pts(small, (c) => c.text_lines), bigLines: pts(big, (c) => c.text_lines) };
      if (b.small && b.big && b.smallLines && b.bigLines) {
        this.backends.set(mode, b as Backend);
        this.calibrated[mode] = true;
      }
      const conn = cases.filter((c) => c.impl === impl && c.scenario === "connect");
      if (mode !== "nftables" && conn.length >= 2) this.connect.set(mode, fitLine(conn.map((c) => [c.rules_before ?? 0, c.median_ns])));
      if (mode === "nftables" && conn.length > 0) this.nftFirstPacket = median(conn.map((c) => c.median_ns));
    }
    const legacy = this.connect.get("iptables-legacy");
    // nftables' verdict map: what its connect takes beyond the iptables probe's fixed part.
    this.nftFirstPacket = legacy ? Math.max(0, this.nftFirstPacket - legacy.fixed) : 0;
    const legacySmall = this.backends.get("iptables-legacy")?.small;
    this.restoreFloor = legacySmall ? legacySmall.y[0] : env.exec_overhead_ns ?? 0;
  }

  sync(mode: PredictMode, c: SyncCounts): SyncParts {
    const loop = loopNs(c);
    if (mode === "ipvs") {
      // netlink lists and writes, plus ipvs mode's small iptables-restore (fixed chains matching ipsets).
      return { loopNs: loop, toolNs: c.netlinkCalls * IPVS_ASSUMED.perNetlinkCall + c.endpointsCategorized * IPVS_ASSUMED.perRealServerListed + this.restoreFloor };
    }
    const b = this.backends.get(mode);
    if (!b) return { loopNs: loop, toolNs: NaN };
    const s = at(b.small, c.held), big = at(b.big, c.held);
    const ws = at(b.smallLines, c.held), wb = at(b.bigLines, c.held);
    const tool = s + Math.max(0, c.linesWritten - ws) * Math.max(0, big - s) / Math.max(1, wb - ws);
    return { loopNs: loop, toolNs: tool };
  }

  firstPacketNs(mode: PredictMode, rulesWalked: number, held: number): number {
    if (mode === "nftables") return this.nftFirstPacket;
    if (mode === "ipvs") return (held / IPVS_SVC_BUCKETS / 2) * IPVS_ASSUMED.perBucketEntry;
    const f = this.connect.get(mode);
    return f ? f.perRule * rulesWalked : NaN;
  }

  memoryBytes(): number | undefined {
    return undefined;
  }
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Least squares y = fixed + perRule·x; the slope is kept ≥ 0. */
function fitLine(pts: [number, number][]): { perRule: number; fixed: number } {
  const n = pts.length, mx = pts.reduce((a, p) => a + p[0], 0) / n, my = pts.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0, sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const perRule = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
  return { perRule, fixed: my - perRule * mx };
}

/** The default profile: this repository's kernel calibration of its reference machine. */
export const DEFAULT_PROFILE_FILE = "results/kernel.json";

export function readProfile(file: string): KernelProfile {
  return new KernelProfile(file, parseDoc(file, readText(file)));
}
