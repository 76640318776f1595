// A small cluster with every proxy mode attached, and what each Service port should route to.
import { EndpointSliceController } from "../src/cluster/endpoints-controller";
import { formatIPv4, LB_CIDR, NODE_IP, parseIPv4 } from "../src/cluster/ip";
import { PROTOCOL_NUMBER, Service } from "../src/cluster/service";
import { ClusterStore } from "../src/cluster/store";
import { selectorMatches } from "../src/cluster/labels";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { newProxier } from "../src/proxy/modes";
import { Packet, Proxier, PROXY_MODES, ProxyMode, Route } from "../src/proxy/types";

export const CLIENT = 0x0a800001; // a pod address in the cluster CIDR
export const SERVICE_IP = (i: number) => (0x0a600000 + 10 + i) >>> 0; // 10.96.0.10 + i
export const LB_IP = (i: number) => (LB_CIDR.base + 1 + i) >>> 0;
export const POD_IP = (i: number) => (0x0a810000 + 2 + i) >>> 0; // 10.129.0.2 + i
export const EXTERNAL_IP = (i: number) => (0xc0000200 + 10 + i) >>> 0; // 192.0.2.10 + i

export interface Node {
  readonly mode: ProxyMode;
  readonly proxier: Proxier;
  readonly kp: KubeProxy;
}

export class Fixture {
  readonly store = new ClusterStore();
  readonly controller = new EndpointSliceController(this.store);
  readonly nodes: Node[];
  now = 0;

  constructor(modes: readonly ProxyMode[] = PROXY_MODES) {
    this.nodes = modes.map((mode) => {
      const proxier = newProxier(mode, this.store, { keepText: true });
      return { mode, proxier, kp: new KubeProxy(this.store, proxier) };
    });
  }

  /** Time moves on past the min sync period: every kube-proxy syncs what is pending. */
  sync(stepMs = 2000): void {
    this.now += stepMs;
    for (const n of this.nodes) n.kp.advance(this.now);
  }

  node(mode: ProxyMode): Node {
    return this.nodes.find((n) => n.mode === mode)!;
  }

  dispose(): void {
    for (const n of this.nodes) {
      n.kp.stop();
      n.proxier.dispose();
    }
    this.controller.stop();
  }
}

export interface Target {
  readonly what: string;
  readonly service: string;
  readonly packet: Packet;
  /** "ip:port" of the ready pods it may reach. */
  readonly endpoints: Set<string>;
  /** The Service lost its selector: its endpoints are those its slices had then (the controller leaves them). */
  readonly stale: boolean;
  /** sessionAffinity ClientIP: one client's connections keep one pod. */
  readonly affinity: boolean;
}

/**
 * Every ClusterIP, external IP, LoadBalancer ingress IP and NodePort of every Service, with the ready pods behind it;
 * frozen: for Services whose selector was removed, the addresses of the ready pods they had then.
 */
export function targets(
  store: ClusterStore,
  saddr = CLIENT,
  frozen: ReadonlyMap<string, readonly number[]> = new Map(),
): Target[] {
  const out: Target[] = [];
  for (const s of store.services.values()) {
    const stale = frozen.get(`${s.namespace}/${s.name}`);
    for (const p of s.ports) {
      const eps = new Set<string>();
      for (const ip of stale ?? readyPodIPs(store, s)) eps.add(`${formatIPv4(ip)}:${p.targetPort}`);
      const service = p.name === "" ? `${s.namespace}/${s.name}` : `${s.namespace}/${s.name}:${p.name}`; // ServicePortName.String()
      const proto = PROTOCOL_NUMBER[p.protocol];
      const at = (what: string, daddr: number, dport: number) =>
        out.push({
          what,
          service,
          endpoints: eps,
          stale: stale !== undefined,
          affinity: s.sessionAffinity === "ClientIP",
          packet: { saddr, sport: 40000, daddr, dport, proto },
        });
      at("ClusterIP", s.clusterIP, p.port);
      for (const a of s.externalIPs ?? []) at("ExternalIP", a, p.port);
      if (s.type === "LoadBalancer" && s.loadBalancerIP !== undefined) at("LoadBalancer", s.loadBalancerIP, p.port);
      if (s.type === "LoadBalancer") for (const a of s.loadBalancerIngress ?? []) at("LoadBalancer", a, p.port);
      if (s.type !== "ClusterIP" && p.nodePort !== undefined) at("NodePort", NODE_IP, p.nodePort);
    }
  }
  return out;
}

/** Addresses of the ready pods a Service's selector picks. */
export function readyPodIPs(store: ClusterStore, s: Service): number[] {
  const out: number[] = [];
  for (const pod of store.pods.values()) {
    if (pod.namespace === s.namespace && pod.ready && pod.ip !== undefined && selectorMatches(s.selector, pod.labels))
      out.push(pod.ip);
  }
  return out;
}

/** What a route says, as one comparable line. */
export function describe(r: Route): string {
  return r.verdict === "dnat" ? `dnat ${r.service}` : r.verdict === "reject" ? "reject" : r.verdict;
}

export function service(i: number, over: Partial<Service> = {}): Service {
  return {
    namespace: "ns",
    name: `svc${i}`,
    type: "ClusterIP",
    clusterIP: SERVICE_IP(i),
    ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8080 }],
    selector: { app: `a${i}` },
    ...over,
  };
}

/**
 * The objects of kube-proxy's proxier tests (kubernetes pkg/proxy/iptables/proxier_test.go and its nftables twin):
 * a ready pod labelled app=<its name up to "-">, and a ClusterIP Service selecting app=<its name> on port p80
 * 80/TCP, `extra` over it.
 */
export function kubeProxyTestObjects(store: ClusterStore) {
  return {
    pod: (ns: string, name: string, ip: string) =>
      store.createPod({ namespace: ns, name, labels: { app: name.split("-")[0] }, ip: parseIPv4(ip), ready: true }),
    svc: (ns: string, name: string, ip: string, extra: Partial<Service> = {}) =>
      store.createService({
        namespace: ns,
        name,
        type: "ClusterIP",
        clusterIP: parseIPv4(ip),
        selector: { app: name },
        ports: [{ name: "p80", protocol: "TCP", port: 80, targetPort: 80 }],
        ...extra,
      }),
  };
}

/** kube-proxy's test Services: svc1 ClusterIP, svc3 NodePort, svc4 two endpoints, svc6 none. */
export function createKubeProxyTestServices(store: ClusterStore): void {
  const { pod, svc } = kubeProxyTestObjects(store);
  pod("ns1", "svc1-a", "10.180.0.1");
  pod("ns3", "svc3-a", "10.180.0.3");
  pod("ns4", "svc4-a", "10.180.0.4");
  pod("ns4", "svc4-b", "10.180.0.5");
  svc("ns1", "svc1", "172.30.0.41");
  svc("ns3", "svc3", "172.30.0.43", {
    type: "NodePort",
    ports: [{ name: "p80", protocol: "TCP", port: 80, targetPort: 80, nodePort: 30003 }],
  });
  svc("ns4", "svc4", "172.30.0.44");
  svc("ns6", "svc6", "172.30.0.46");
}
