// What a sync costs on a machine, from its counts: the one interface the prediction reads, so that a
// kernel-calibrated profile can stand behind it. parts: kube-proxy's own loop (user space), and the tool
// with the kernel (iptables-restore, nft, netlink). Every figure is node time, never simulator time.
import { PredictMode } from "./modes";

export interface SyncCounts {
  readonly full: boolean;
  readonly servicePortsVisited: number;
  readonly endpointsCategorized: number;
  readonly linesWritten: number;
  /** Rules or objects the table holds when the sync runs. */
  readonly held: number;
  /** ipvs: netlink calls (lists and writes). */
  readonly netlinkCalls: number;
}

export interface SyncParts {
  readonly loopNs: number;
  readonly toolNs: number;
}

export interface SyncCostModel {
  /** What the profile is and where it came from. */
  readonly name: string;
  readonly machine: string;
  readonly date: string;
  /** Per mode: is the tool-and-kernel part measured on that machine (true) or an assumed constant (false)? */
  readonly calibrated: Readonly<Record<PredictMode, boolean>>;
  sync(mode: PredictMode, c: SyncCounts): SyncParts;
  /** A connection's first packet: time the Service lookup adds when rulesWalked rules precede its own. */
  firstPacketNs(mode: PredictMode, rulesWalked: number, held: number): number;
  /** Kernel memory the rules take, when the profile knows it. */
  memoryBytes(mode: PredictMode, held: number): number | undefined;
}

/**
 * kube-proxy's loop per sync (every mode): each service port visited and its endpoints categorized
 * (proxy.CategorizeEndpoints), each line or command generated. Assumed constants of Go code of this
 * kind, in ns, until a profile measures them.
 */
export const LOOP_NS = { perServicePort: 1000, perEndpoint: 200, perLine: 300 } as const;

export function loopNs(c: SyncCounts): number {
  return c.servicePortsVisited * LOOP_NS.perServicePort + c.endpointsCategorized * LOOP_NS.perEndpoint + c.linesWritten * LOOP_NS.perLine;
}
