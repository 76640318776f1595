// LoadBalancerRR of the userspace proxier (kubernetes <= 1.25 pkg/proxy/userspace/roundrobin.go):
// per service port a list of "ip:port" endpoints walked round robin from index 0, reshuffled (and the
// index reset) whenever the set of endpoints changes, so that nodes do not all start on the same pod;
// ClientIP affinity remembers a client's endpoint for ttl, unless the caller asks for a reset
// (after a failed dial), and forgets records of endpoints that went away.
import { SvcbenchError } from "../../core";
import { Rng } from "../../util/rng";

interface Affinity {
  endpoint: string;
  lastUsedMs: number;
}

interface BalancerState {
  endpoints: string[];
  index: number;
  affinity: boolean;
  ttlMs: number;
  readonly clients: Map<number, Affinity>;
}

export class LoadBalancerRR {
  private readonly services = new Map<string, BalancerState>();

  constructor(private readonly rng: Rng) {}

  /** NewService: affinity ClientIP with ttl seconds, or none. */
  newService(svcPort: string, affinity: boolean, ttlSeconds: number): void {
    const s = this.services.get(svcPort);
    if (s) {
      s.affinity = affinity;
      s.ttlMs = ttlSeconds * 1000;
    } else {
      this.services.set(svcPort, { endpoints: [], index: 0, affinity, ttlMs: ttlSeconds * 1000, clients: new Map() });
    }
  }

  deleteService(svcPort: string): void {
    this.services.delete(svcPort);
  }

  /** OnEndpointsUpdate for one port: a different set (compared sorted) is shuffled and restarts at 0. */
  updateEndpoints(svcPort: string, endpoints: readonly string[]): void {
    let s = this.services.get(svcPort);
    if (!s)
      this.services.set(svcPort, (s = { endpoints: [], index: 0, affinity: false, ttlMs: 0, clients: new Map() }));
    const a = [...s.endpoints].sort(),
      b = [...endpoints].sort();
    if (a.length === b.length && a.every((e, i) => e === b[i])) return;
    const keep = new Set(endpoints);
    for (const [ip, rec] of s.clients) if (!keep.has(rec.endpoint)) s.clients.delete(ip);
    s.endpoints = this.shuffle(endpoints);
    s.index = 0;
  }

  private shuffle(list: readonly string[]): string[] {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.rng.below(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** NextEndpoint: the sticky endpoint if affinity holds and no reset was asked, else the next in turn. */
  nextEndpoint(svcPort: string, clientIP: number, sessionAffinityReset: boolean, nowMs: number): string {
    const s = this.services.get(svcPort);
    if (!s || s.endpoints.length === 0) throw new SvcbenchError(`missing endpoints for ${svcPort}`);
    if (s.affinity && !sessionAffinityReset) {
      const rec = s.clients.get(clientIP);
      if (rec && nowMs - rec.lastUsedMs < s.ttlMs) {
        rec.lastUsedMs = nowMs;
        return rec.endpoint;
      }
    }
    const ep = s.endpoints[s.index];
    s.index = (s.index + 1) % s.endpoints.length;
    if (s.affinity) s.clients.set(clientIP, { endpoint: ep, lastUsedMs: nowMs });
    return ep;
  }

  hasEndpoints(svcPort: string): boolean {
    return (this.services.get(svcPort)?.endpoints.length ?? 0) > 0;
  }

  /** CleanupStaleStickySessions, for every service. */
  cleanupStaleStickySessions(nowMs: number): void {
    for (const s of this.services.values()) {
      if (s.clients.size === 0) continue;
      for (const [ip, rec] of s.clients) if (nowMs - rec.lastUsedMs >= s.ttlMs) s.clients.delete(ip);
    }
  }
}
