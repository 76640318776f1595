// What every proxier does the same way (kubernetes pkg/proxy/*/proxier.go, the top of syncProxyRules):
// feed Service and EndpointSlice events to the change trackers, and at sync apply them to the
// ServicePortMap and EndpointsMap, then program the rules of what changed. Every sync, partial or full,
// visits every service port and categorizes its endpoints (proxy.CategorizeEndpoints) as kube-proxy's
// "for svcName, svc := range proxier.svcPortMap" loop does; the work is counted per sync (SyncWork).
import { EndpointSlice } from "../cluster/endpointslice";
import { WatchEvent } from "../cluster/events";
import { Service } from "../cluster/service";
import { EndpointsChangeTracker } from "./endpoints-tracker";
import { Categorized, categorizeEndpoints } from "./categorize";
import { unmodelledFeatures } from "./features";
import { DEFAULT_NODE, NodeConfig } from "./node";
import { EndpointInfo, ServicePortInfo } from "./service-port";
import { ServiceChangeTracker } from "./service-tracker";
import { Packet, Proxier, ProxyMode, Route, SyncStats, SyncWork } from "./types";

export interface UpdateResult {
  /** namespace/name of every Service whose ports or endpoints changed. */
  readonly changed: Set<string>;
  /** Service ports by namespace/name, after the update. */
  readonly portsByService: ReadonlyMap<string, readonly ServicePortInfo[]>;
}

export abstract class ProxierBase implements Proxier {
  abstract readonly mode: ProxyMode;
  /** "namespace/name:port" → the port as kube-proxy sees it. */
  protected readonly svcPortMap = new Map<string, ServicePortInfo>();
  /** "namespace/name:port" → ready endpoints, sorted. */
  protected readonly endpointsMap = new Map<string, EndpointInfo[]>();
  protected readonly portsByService = new Map<string, ServicePortInfo[]>();
  protected readonly serviceChanges = new ServiceChangeTracker();
  protected readonly endpointsChanges = new EndpointsChangeTracker(() => this.nodeName);
  /** This node's name (endpoints on it are local); set by the mode from its NodeConfig. */
  protected nodeName?: string;
  /** The current sync's work. */
  protected work: Mutable<SyncWork> = newWork();
  /** Set at start (and after a failure): the next sync writes everything. */
  protected needFullSync = true;

  onServiceEvent(e: WatchEvent<Service>): void {
    this.serviceChanges.update(e);
  }

  onSliceEvent(e: WatchEvent<EndpointSlice>): void {
    this.endpointsChanges.update(e);
  }

  pending(): boolean {
    return this.needFullSync || this.serviceChanges.size > 0 || this.endpointsChanges.size > 0;
  }

  sync(nowMs: number): SyncStats {
    const changed = this.serviceChanges.apply(this.svcPortMap, this.portsByService);
    for (const s of this.endpointsChanges.apply(this.endpointsMap)) changed.add(s);
    const full = this.needFullSync;
    this.work = newWork();
    try {
      const stats = this.syncRules({ changed, portsByService: this.portsByService }, full, nowMs);
      this.needFullSync = false;
      return { ...stats, ...this.work };
    } catch (err) {
      // The changes are applied to the maps but not to the rules: only a full sync can repair that.
      this.needFullSync = true;
      throw err;
    }
  }

  /** Usable endpoints of a service port, sorted (none: empty). */
  protected endpointsOf(p: ServicePortInfo): readonly EndpointInfo[] {
    return this.endpointsMap.get(p.name) ?? NO_ENDPOINTS;
  }

  /**
   * The features its Services or node use that this mode's model does not follow, by name: service ports (1
   * for a node setting).
   */
  unmodelled(): Map<string, number> {
    return unmodelledFeatures(this.mode, this.svcPortMap.values(), this.nodeConfig());
  }

  /** The node this proxier runs as (each mode gives its own). */
  protected nodeConfig(): NodeConfig {
    return DEFAULT_NODE;
  }

  /** One service port of the sync loop: proxy.CategorizeEndpoints over its endpoints, counted. */
  protected visit(p: ServicePortInfo): Categorized {
    const eps = this.endpointsOf(p);
    this.work.svcPortsVisited++;
    this.work.endpointsCategorized += eps.length;
    return categorizeEndpoints(eps, p);
  }

  protected abstract syncRules(u: UpdateResult, full: boolean, nowMs: number): SyncStats;
  abstract route(p: Packet, nowMs: number): Route;
  abstract dispose(): void;
}

const NO_ENDPOINTS: readonly EndpointInfo[] = [];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function newWork(): Mutable<SyncWork> {
  return { svcPortsVisited: 0, endpointsCategorized: 0, objectsCompared: 0, netlinkCalls: 0 };
}
