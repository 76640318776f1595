// An Ingress controller (as ingress-nginx serves networking.k8s.io/v1 Ingress, kubernetes
// staging/src/k8s.io/api/networking/v1/types.go): one address for
// many Services. A request's host picks the most specific group of rules (exact host, then a
// wildcard, then rules without host), its path the best path there (src/cluster/ingress.ts); the
// backend Service port is then reached through the node's proxier like any pod's connection.
import { IPPROTO_TCP } from "../core";
import { bestPath, hostMatches, Ingress, IngressBackend, IngressPath } from "../cluster/ingress";
import { ClusterStore } from "../cluster/store";
import { Proxier, Route } from "./types";

interface HttpRequest {
  readonly host: string;
  readonly path: string;
  readonly clientPort?: number;
}

type IngressAnswer =
  | { status: 404 }
  | { status: 503; service: string; port: number | string }
  | { status: 200 | 502; service: string; port: number; route: Route };

interface Candidate extends IngressPath {
  readonly namespace: string;
}

export class IngressController {
  constructor(
    private readonly store: ClusterStore,
    private readonly proxier: Proxier,
    readonly podIP: number,
  ) {}

  /**
   * The backend for host and path: exact host rules, else wildcard ones, else host-less ones; else the
   * default backend.
   */
  backend(host: string, path: string): { namespace: string; backend: IngressBackend } | undefined {
    const ings = [...this.store.ingresses.values()];
    const groups: Candidate[][] = [[], [], []];
    for (const ing of ings) {
      for (const r of ing.rules) {
        const g =
          r.host === undefined
            ? 2
            : r.host === host
              ? 0
              : r.host.startsWith("*.") && hostMatches(r.host, host)
                ? 1
                : -1;
        if (g >= 0) for (const p of r.paths) groups[g].push({ ...p, namespace: ing.namespace });
      }
    }
    const group = groups.find((g) => g.length > 0);
    if (group) {
      const best = bestPath(group, path);
      if (best) return { namespace: best.namespace, backend: best.backend };
    }
    const dflt = ings.find((i: Ingress) => i.defaultBackend !== undefined);
    return dflt ? { namespace: dflt.namespace, backend: dflt.defaultBackend! } : undefined;
  }

  /** Proxies one request: the chosen Service port, then the proxier's choice of its endpoint. */
  request(req: HttpRequest, nowMs: number): IngressAnswer {
    const b = this.backend(req.host, req.path);
    if (!b) return { status: 404 };
    const svc = this.store.services.get(`${b.namespace}/${b.backend.service}`);
    const sp = svc?.ports.find((p) =>
      typeof b.backend.port === "number" ? p.port === b.backend.port : p.name === b.backend.port,
    );
    const service = `${b.namespace}/${b.backend.service}`;
    if (!svc || !sp || sp.protocol !== "TCP") return { status: 503, service, port: b.backend.port };
    const route = this.proxier.route(
      { saddr: this.podIP, sport: req.clientPort ?? 40000, daddr: svc.clusterIP, dport: sp.port, proto: IPPROTO_TCP },
      nowMs,
    );
    return { status: route.verdict === "dnat" ? 200 : 502, service, port: sp.port, route };
  }
}
