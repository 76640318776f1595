// EndpointsChangeTracker with its EndpointSliceCache (kubernetes pkg/proxy/endpointschangetracker.go,
// endpointslicecache.go): slice events wait as pending per Service; at sync they are applied, the
// Service's endpoints are merged from all its slices (deduplicated by "ip:port", sorted as byEndpoint
// sorts them: string order of "ip:port"), and only Services whose endpoints really changed are reported.
// An endpoint is kept when it is ready or serving and terminating (the ones proxy.CategorizeEndpoints can
// use; kube-proxy keeps the unusable ones too, which only changes when a Service counts as changed);
// it is local when its nodeName is this node's.
import { EndpointSlice } from "../cluster/endpointslice";
import { WatchEvent } from "../cluster/events";
import { EndpointInfo, endpointInfo, sameEndpoints, servicePortName } from "./service-port";

export class EndpointsChangeTracker {
  /** This node's name (kube-proxy's hostname): endpoints on it are local. */
  constructor(private readonly nodeName: () => string | undefined = () => undefined) {}

  /** Applied slices per Service, by slice name. */
  private readonly applied = new Map<string, Map<string, EndpointSlice>>();
  /** Pending slice versions per Service (null: deleted). */
  private readonly pending = new Map<string, Map<string, EndpointSlice | null>>();

  /** EndpointSliceUpdate(slice, removeSlice). */
  update(e: WatchEvent<EndpointSlice>): boolean {
    const s = (e.cur ?? e.prev)!;
    let p = this.pending.get(s.service);
    if (!p) this.pending.set(s.service, (p = new Map()));
    p.set(s.name, e.cur ?? null);
    return true;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * EndpointsMap.Update: applies pending slices and rewrites each touched Service's entries
   * (keyed by "namespace/name:port"); answers the Services whose endpoints changed.
   */
  apply(endpointsMap: Map<string, EndpointInfo[]>): Set<string> {
    const updated = new Set<string>();
    for (const [service, pend] of this.pending) {
      let slices = this.applied.get(service);
      if (!slices) this.applied.set(service, (slices = new Map()));
      const before = this.portNames(slices);
      for (const [name, s] of pend) {
        if (s) slices.set(name, s);
        else slices.delete(name);
      }
      if (slices.size === 0) this.applied.delete(service);
      const merged = merge(slices, this.nodeName());
      let changed = false;
      for (const port of before) {
        if (!merged.has(port)) {
          endpointsMap.delete(servicePortName(service, port));
          changed = true;
        }
      }
      for (const [port, eps] of merged) {
        const key = servicePortName(service, port);
        if (sameEndpoints(endpointsMap.get(key), eps)) continue;
        if (eps.length === 0) endpointsMap.delete(key);
        else endpointsMap.set(key, eps);
        changed = true;
      }
      if (changed) updated.add(service);
    }
    this.pending.clear();
    return updated;
  }

  /** Port names of a Service's applied slices. */
  portsOf(service: string): Set<string> {
    return this.portNames(this.applied.get(service) ?? new Map());
  }

  private portNames(slices: Map<string, EndpointSlice>): Set<string> {
    const names = new Set<string>();
    for (const s of slices.values()) for (const p of s.ports) names.add(p.name);
    return names;
  }
}

/** byEndpoint: string order of Endpoint.String(), "ip:port". */
const byEndpoint = (a: EndpointInfo, b: EndpointInfo) => (a.str < b.str ? -1 : a.str > b.str ? 1 : 0);

/** Usable endpoints of all slices, per port name, deduplicated by ip:port, sorted by "ip:port". */
function merge(slices: Map<string, EndpointSlice>, nodeName: string | undefined): Map<string, EndpointInfo[]> {
  const out = new Map<string, EndpointInfo[]>();
  for (const s of slices.values()) {
    for (const port of s.ports) {
      let list = out.get(port.name);
      if (!list) out.set(port.name, (list = []));
      for (const ep of s.endpoints) {
        const serving = ep.serving ?? ep.ready,
          terminating = ep.terminating ?? false;
        if (!ep.ready && !(serving && terminating)) continue;
        const isLocal = nodeName !== undefined && ep.nodeName === nodeName;
        list.push(endpointInfo(ep.ip, port.port, { ready: ep.ready, serving, terminating, isLocal }));
      }
    }
  }
  for (const [name, list] of out) {
    list.sort(byEndpoint);
    out.set(
      name,
      list.filter((e, i) => i === 0 || e.str !== list[i - 1].str),
    );
  }
  return out;
}
