// The userspace proxier (kubernetes <= 1.25 pkg/proxy/userspace/proxier.go, proxysocket.go): every
// service port gets a proxy socket on the node and iptables portals that redirect its ClusterIP,
// LoadBalancer IP and NodePort there. Endpoint changes go straight to the round-robin balancer;
// Service changes wait for syncProxyRules, which merges them, then re-checks every Service's portals
// (ensurePortals) and purges stale sticky sessions. A connection dials the balancer's pick with
// timeouts 250 ms, 500 ms, 1 s, 2 s; a failed dial tries the next endpoint and resets affinity.
import { EndpointSlice } from "../../cluster/endpointslice";
import { SvcbenchError } from "../../core";
import { WatchEvent } from "../../cluster/events";
import { formatIPv4 } from "../../cluster/ip";
import { Rng } from "../../util/rng";
import { ProxierBase, UpdateResult } from "../base";
import { DEFAULT_NODE, isLocalAddress, NodeConfig } from "../node";
import { lproto, sameServicePort, servicePortName, ServicePortInfo } from "../service-port";
import { Packet, Route, SyncStats } from "../types";
import { Network } from "./network";
import { PortalRule, PortalTables } from "./portals";
import { LoadBalancerRR } from "./roundrobin";

/** EndpointDialTimeouts. */
export const DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000] as const;
/** Proxy sockets bind port 0: the kernel hands out net.ipv4.ip_local_port_range (32768-60999). */
export const PROXY_PORTS = { min: 32768, max: 60999 };

interface ProxiedPort {
  readonly info: ServicePortInfo;
  readonly proxyPort: number;
  readonly portals: PortalRule[];
}

export class UserspaceProxier extends ProxierBase {
  readonly mode = "userspace";
  readonly lb: LoadBalancerRR;
  readonly portals = new PortalTables();
  private readonly node: NodeConfig;
  private readonly serviceMap = new Map<string, ProxiedPort>();
  /** Proxied port names by Service (namespace/name). */
  private readonly proxiedByService = new Map<string, string[]>();
  private readonly byProxyPort = new Map<number, string>();
  private readonly balancedPorts = new Map<string, Set<string>>();
  private nextProxyPort = PROXY_PORTS.min;

  constructor(
    readonly network: Network,
    opts: { node?: NodeConfig } = {},
  ) {
    super();
    this.node = opts.node ?? DEFAULT_NODE;
    this.lb = new LoadBalancerRR(new Rng(this.node.seed));
  }

  /** OnEndpoints*: straight to the balancer, no sync. */
  override onSliceEvent(e: WatchEvent<EndpointSlice>): void {
    super.onSliceEvent(e);
    for (const svc of this.endpointsChanges.apply(this.endpointsMap)) {
      const ports = new Set<string>();
      for (const port of this.endpointsChanges.portsOf(svc))
        if (this.endpointsMap.has(servicePortName(svc, port))) ports.add(servicePortName(svc, port));
      for (const key of this.balancedPorts.get(svc) ?? []) if (!ports.has(key)) this.lb.updateEndpoints(key, []);
      for (const key of ports)
        this.lb.updateEndpoints(
          key,
          this.endpointsMap
            .get(key)!
            .filter((x) => x.ready)
            .map((x) => x.str),
        );
      if (ports.size > 0) this.balancedPorts.set(svc, ports);
      else this.balancedPorts.delete(svc);
    }
  }

  protected syncRules(u: UpdateResult, full: boolean, nowMs: number): SyncStats {
    const services = full ? new Set(this.portsByService.keys()) : u.changed;
    const ports = this.svcPortMap.size,
      capacity = PROXY_PORTS.max - PROXY_PORTS.min + 1;
    if (ports > capacity) {
      throw new SvcbenchError(
        `userspace proxier: ${ports} service ports need ${ports} proxy sockets, but a node has ${capacity} local ports (ip_local_port_range ${PROXY_PORTS.min}-${PROXY_PORTS.max})`,
      );
    }
    for (const svc of services) {
      const cur = this.portsByService.get(svc) ?? [];
      for (const name of this.proxiedByService.get(svc) ?? []) {
        if (!cur.some((p) => p.name === name)) this.stop(name, this.serviceMap.get(name)!); // unmergeService
      }
      for (const p of cur) {
        // mergeService
        const old = this.serviceMap.get(p.name);
        if (old && sameServicePort(old.info, p)) continue;
        if (old) this.stop(p.name, old);
        this.start(p);
      }
      if (cur.length > 0)
        this.proxiedByService.set(
          svc,
          cur.map((p) => p.name),
        );
      else this.proxiedByService.delete(svc);
    }
    const all: PortalRule[] = [];
    for (const pp of this.serviceMap.values()) all.push(...pp.portals);
    this.portals.ensure(all); // ensurePortals
    this.lb.cleanupStaleStickySessions(nowMs);
    const w = this.portals.take();
    return { full, services: services.size, rulesWritten: w.rules, bytesWritten: w.bytes };
  }

  private allocateProxyPort(): number {
    for (let i = 0; i <= PROXY_PORTS.max - PROXY_PORTS.min; i++) {
      const port = this.nextProxyPort;
      this.nextProxyPort = port === PROXY_PORTS.max ? PROXY_PORTS.min : port + 1;
      if (!this.byProxyPort.has(port)) return port;
    }
    throw new SvcbenchError(
      `userspace proxier: no local port left for another proxy socket: a node has ${PROXY_PORTS.max - PROXY_PORTS.min + 1} (ip_local_port_range ${PROXY_PORTS.min}-${PROXY_PORTS.max}), one per service port`,
    );
  }

  private start(p: ServicePortInfo): void {
    const proxyPort = this.allocateProxyPort();
    const proto = lproto(p),
      node = formatIPv4(this.node.nodeIP);
    const c = `-m comment --comment "${p.name}" -p ${proto} -m ${proto}`;
    const portals: PortalRule[] = [];
    const portal = (addr: number, addrStr: string) => {
      const entry = { addr, port: p.port, proto: p.proto, target: proxyPort };
      portals.push({
        chain: "KUBE-PORTALS-CONTAINER",
        entry,
        text: `${c} --dport ${p.port} -d ${addrStr}/32 -j REDIRECT --to-ports ${proxyPort}`,
      });
      portals.push({
        chain: "KUBE-PORTALS-HOST",
        entry,
        text: `${c} --dport ${p.port} -d ${addrStr}/32 -j DNAT --to-destination ${node}:${proxyPort}`,
      });
    };
    portal(p.clusterIP, p.clusterIPStr);
    p.externalIPs.forEach((a, i) => portal(a, p.externalIPStrs[i]));
    p.loadBalancerIPs.forEach((a, i) => portal(a, p.loadBalancerIPStrs[i]));
    if (p.nodePort !== 0) {
      const entry = { addr: 0, port: p.nodePort, proto: p.proto, target: proxyPort };
      portals.push({
        chain: "KUBE-NODEPORT-CONTAINER",
        entry,
        text: `${c} --dport ${p.nodePort} -j REDIRECT --to-ports ${proxyPort}`,
      });
      portals.push({
        chain: "KUBE-NODEPORT-HOST",
        entry,
        text: `${c} --dport ${p.nodePort} -j DNAT --to-destination ${node}:${proxyPort}`,
      });
      portals.push({ chain: "KUBE-NODEPORT-NON-LOCAL", entry, text: `${c} --dport ${proxyPort} -j ACCEPT` });
    }
    this.serviceMap.set(p.name, { info: p, proxyPort, portals });
    this.byProxyPort.set(proxyPort, p.name);
    this.portals.ensure(portals); // openPortal
    this.lb.newService(p.name, p.affinity, p.stickySeconds);
  }

  /** cleanupPortalAndProxy: portals deleted, proxy socket closed. */
  private stop(name: string, pp: ProxiedPort): void {
    for (const r of pp.portals) this.portals.delete(r);
    this.serviceMap.delete(name);
    this.byProxyPort.delete(pp.proxyPort);
    if (!this.portsByService.get(pp.info.service)?.some((p) => p.name === name)) this.lb.deleteService(name);
  }

  override pending(): boolean {
    return this.needFullSync || this.serviceChanges.size > 0;
  }

  /** The connection: portal → proxy socket → TryConnectEndpoints. */
  protected override nodeConfig(): NodeConfig {
    return this.node;
  }

  route(p: Packet, nowMs: number): Route {
    const proxyPort = this.portals.lookup(p.daddr, p.dport, p.proto, isLocalAddress(this.node, p.daddr));
    const name = proxyPort === undefined ? undefined : this.byProxyPort.get(proxyPort);
    if (name === undefined) return { verdict: "pass" };
    let reset = false,
      attempts = 0,
      ms = 0;
    for (const timeout of DIAL_TIMEOUTS_MS) {
      if (!this.lb.hasEndpoints(name)) return { verdict: "reject", service: name, attempts, connectMs: ms };
      const ep = this.lb.nextEndpoint(name, p.saddr, reset, nowMs + ms);
      attempts++;
      const r = this.network.dial(ep, timeout);
      ms += r.ms;
      if (r.ok) return { verdict: "dnat", service: name, endpoint: ep, attempts, connectMs: ms };
      reset = true;
    }
    return { verdict: "reject", service: name, attempts, connectMs: ms }; // "failed to connect to an endpoint"
  }

  dispose(): void {
    this.portals.dispose();
  }
}
