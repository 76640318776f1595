// The chain names a netfilter proxier gives each service port and endpoint, computed once per port and
// endpoint as kube-proxy keeps them in its servicePortInfo and endpointInfo (kubernetes
// pkg/proxy/iptables/proxier.go, pkg/proxy/nftables/proxier.go: newServiceInfo, newEndpointInfo), and the
// service port each service chain belongs to.
import { EndpointInfo, ServicePortInfo } from "./service-port";

export interface PortChains {
  /** KUBE-SVC-… / service-…: the chain that picks an endpoint. */
  readonly service: string;
  /** KUBE-EXT-… / external-…: where NodePort and LoadBalancer traffic enters. */
  readonly external: string;
  /** local-… (nftables): the Local traffic policy's endpoints; iptables names KUBE-SVL- when used. */
  readonly local?: string;
  /** firewall-… (nftables): loadBalancerSourceRanges; iptables names KUBE-FW- when used. */
  readonly firewall?: string;
}

export class ChainNameCache {
  private readonly ports = new Map<string, PortChains>();
  /** Service port name → endpoint "ip:port" → its chain name. */
  private readonly endpoints = new Map<string, Map<string, string>>();
  /** Service chain → service port name. */
  private readonly owners = new Map<string, string>();
  /** Service (namespace/name) → its port names, as last retained. */
  private readonly byService = new Map<string, readonly string[]>();

  constructor(
    private readonly portChains: (p: ServicePortInfo) => PortChains,
    private readonly endpointChain: (p: ServicePortInfo, e: EndpointInfo) => string,
  ) {}

  of(p: ServicePortInfo): PortChains {
    let c = this.ports.get(p.name);
    if (!c) {
      this.ports.set(p.name, (c = this.portChains(p)));
      this.owners.set(c.service, p.name);
    }
    return c;
  }

  /**
   * The chain names of these endpoints; refresh keeps only theirs in the cache (names of endpoints gone are
   * dropped).
   */
  endpointsOf(p: ServicePortInfo, eps: readonly EndpointInfo[], refresh = true): string[] {
    let m = this.endpoints.get(p.name);
    if (!m || refresh) {
      const old = m;
      m = new Map();
      for (const e of eps) m.set(e.str, old?.get(e.str) ?? this.endpointChain(p, e));
      this.endpoints.set(p.name, m);
    }
    return eps.map((e) => m!.get(e.str) ?? this.endpointChain(p, e));
  }

  /** The service port name a service chain belongs to. */
  ownerOf(serviceChain: string): string | undefined {
    return this.owners.get(serviceChain);
  }

  /** A Service's port names once its rules are written: the names of ports it no longer has are forgotten. */
  retain(service: string, names: readonly string[]): void {
    for (const old of this.byService.get(service) ?? []) if (!names.includes(old)) this.forget(old);
    if (names.length > 0) this.byService.set(service, names);
    else this.byService.delete(service);
  }

  private forget(name: string): void {
    const c = this.ports.get(name);
    if (c) this.owners.delete(c.service);
    this.ports.delete(name);
    this.endpoints.delete(name);
  }
}
