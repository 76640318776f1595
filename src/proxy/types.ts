// What every proxier shares: the packet it routes, the verdict, what a sync wrote, the one interface.
import type { EndpointSlice } from "../cluster/endpointslice";
import type { WatchEvent } from "../cluster/events";
import type { Service } from "../cluster/service";
import type { ProxyMode } from "../modes";

export { PROXY_MODES, type ProxyMode } from "../modes";

/** The first packet of a connection, as the node sees it. */
export interface Packet {
  readonly saddr: number;
  readonly sport: number;
  readonly daddr: number;
  readonly dport: number;
  readonly proto: number;
}

/**
 * dnat: the connection goes to endpoint ("ip:port") of service ("ns/name:port"); masq when its
 * source is rewritten (KUBE-MARK-MASQ). reject: refused (ICMP unreachable / RST). drop: dropped.
 * pass: no service rule matched; the packet goes on unchanged.
 */
export type Route =
  | { verdict: "dnat"; service: string; endpoint: string; masq?: boolean; attempts?: number; connectMs?: number }
  | { verdict: "reject"; service?: string; attempts?: number; connectMs?: number }
  | { verdict: "drop" }
  | { verdict: "pass" };

/**
 * The work of one sync's loop over the ServicePortMap, as kube-proxy does it whether the sync is full
 * or partial: service ports visited, endpoints categorized (proxy.CategorizeEndpoints), kernel objects
 * compared with what the sync wants (iptables: listed nat chains; nftables: chains ensured, elements
 * compared in nftElementStorage, chains and sets listed; ipvs: virtual and real servers compared), and
 * for ipvs the netlink calls made (GetVirtualServers once, per virtual server GetVirtualServer and
 * GetRealServers, one per add, edit or delete).
 */
export interface SyncWork {
  readonly svcPortsVisited: number;
  readonly endpointsCategorized: number;
  readonly objectsCompared: number;
  readonly netlinkCalls: number;
}

/** What one sync did: rules (lines, elements, kernel objects) and bytes handed to the kernel, and its loop's work. */
export interface SyncStats extends Partial<SyncWork> {
  readonly full: boolean;
  /** Services (namespace/name) whose rules were rewritten. */
  readonly services: number;
  readonly rulesWritten: number;
  readonly bytesWritten: number;
}

export interface Proxier {
  readonly mode: ProxyMode;
  /** Its own min-sync-period, when it has one other than kube-proxy's (ebpf: 0, a sync per change). */
  readonly minSyncPeriodMs?: number;
  /** OnServiceAdd / OnServiceUpdate / OnServiceDelete. */
  onServiceEvent(e: WatchEvent<Service>): void;
  /** OnEndpointSliceAdd / Update / Delete. */
  onSliceEvent(e: WatchEvent<EndpointSlice>): void;
  /** True when a change awaits a sync. */
  pending(): boolean;
  /** syncProxyRules: programs every change since the last sync; nowMs is simulated time. */
  sync(nowMs: number): SyncStats;
  /** Where the node sends this packet now (its first packet; no conntrack). */
  route(p: Packet, nowMs: number): Route;
  /**
   * Features its Services or node use that this mode's model does not follow: name → service ports (1 for a
   * node setting).
   */
  unmodelled?(): Map<string, number>;
  /** Frees WebAssembly memory; the proxier is unusable afterwards. */
  dispose(): void;
}
