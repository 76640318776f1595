// ServiceChangeTracker (kubernetes pkg/proxy/servicechangetracker.go): changes to one Service between
// two syncs collapse into one (previous = before the first, current = after the last); a net no-op is
// dropped. Applying it to the ServicePortMap answers which Services changed (UpdatedServices).
import { WatchEvent } from "../cluster/events";
import { nsName, Service } from "../cluster/service";
import { sameServicePort, ServicePortInfo, servicePorts } from "./service-port";

interface Change {
  readonly prev: ServicePortInfo[];
  cur: ServicePortInfo[];
}

function samePorts(a: ServicePortInfo[], b: ServicePortInfo[]): boolean {
  return a.length === b.length && a.every((p, i) => sameServicePort(p, b[i]));
}

export class ServiceChangeTracker {
  private readonly items = new Map<string, Change>();

  /** Update(previous, current); true while changes are pending. */
  update(e: WatchEvent<Service>): boolean {
    const key = nsName((e.cur ?? e.prev)!);
    let change = this.items.get(key);
    if (!change) {
      change = { prev: e.prev ? servicePorts(e.prev) : [], cur: [] };
      this.items.set(key, change);
    }
    change.cur = e.cur ? servicePorts(e.cur) : [];
    if (samePorts(change.prev, change.cur)) this.items.delete(key);
    return this.items.size > 0;
  }

  get size(): number {
    return this.items.size;
  }

  /**
   * ServicePortMap.Update: drops each changed Service's previous ports, adds its current ones,
   * empties the tracker; answers namespace/name of every changed Service.
   */
  apply(svcPortMap: Map<string, ServicePortInfo>, portsByService: Map<string, ServicePortInfo[]>): Set<string> {
    const updated = new Set<string>();
    for (const [key, change] of this.items) {
      for (const p of change.prev) svcPortMap.delete(p.name);
      for (const p of change.cur) svcPortMap.set(p.name, p);
      if (change.cur.length > 0) portsByService.set(key, change.cur);
      else portsByService.delete(key);
      updated.add(key);
    }
    this.items.clear();
    return updated;
  }
}
