// EndpointsChangeTracker with its EndpointSliceCache (kubernetes pkg/proxy/endpointschangetracker.go,
// endpointslicecache.go): slice events wait as pending per Service; at sync they are applied, the
// Service's endpoints are merged from all its slices (ready ones, deduplicated, sorted), and only
// Services whose endpoints really changed are reported.
import { EndpointSlice } from "../cluster/endpointslice";
import { WatchEvent } from "../cluster/events";
import { EndpointInfo, endpointInfo, sameEndpoints, servicePortName } from "./service-port";

export class EndpointsChangeTracker {
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
      const merged = merge(slices);
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

const byAddress = (a: EndpointInfo, b: EndpointInfo) => a.ip - b.ip || a.port - b.port;

/** Ready endpoints of all slices, per port name, deduplicated by ip:port, sorted by address. */
function merge(slices: Map<string, EndpointSlice>): Map<string, EndpointInfo[]> {
  const out = new Map<string, EndpointInfo[]>();
  for (const s of slices.values()) {
    for (const port of s.ports) {
      let list = out.get(port.name);
      if (!list) out.set(port.name, (list = []));
      for (const ep of s.endpoints) if (ep.ready) list.push(endpointInfo(ep.ip, port.port));
    }
  }
  for (const [name, list] of out) {
    list.sort(byAddress);
    out.set(name, list.filter((e, i) => i === 0 || byAddress(e, list[i - 1]) !== 0));
  }
  return out;
}
