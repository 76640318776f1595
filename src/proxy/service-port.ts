// kube-proxy's view of a Service port and of an endpoint (kubernetes pkg/proxy/serviceport.go,
// endpoint.go): one entry per port, named by ServicePortName.String() (pkg/proxy/types.go):
// "namespace/name:port", or "namespace/name" for a port without a name.
import { formatCidr, formatIPv4 } from "../cluster/ip";
import { DEFAULT_STICKY_SECONDS, nsName, Protocol, PROTOCOL_NUMBER, Service } from "../cluster/service";

export interface ServicePortInfo {
  /** namespace/name of the Service. */
  readonly service: string;
  readonly namespace: string;
  readonly serviceName: string;
  readonly portName: string;
  /** "namespace/name:port" ("namespace/name" when unnamed): the ServicePortName, the key of every map. */
  readonly name: string;
  readonly protocol: Protocol;
  readonly proto: number;
  readonly clusterIP: number;
  readonly clusterIPStr: string;
  readonly port: number;
  readonly targetPort: number;
  /** 0: none. */
  readonly nodePort: number;
  /** status.loadBalancer.ingress[].ip (type LoadBalancer only), in the Service's order. */
  readonly loadBalancerIPs: readonly number[];
  readonly loadBalancerIPStrs: readonly string[];
  /** spec.externalIPs. */
  readonly externalIPs: readonly number[];
  readonly externalIPStrs: readonly string[];
  /** spec.loadBalancerSourceRanges, as "a.b.c.d/n" (type LoadBalancer only). */
  readonly loadBalancerSourceRanges: readonly string[];
  /** externalTrafficPolicy: Local (externally accessible ports only). */
  readonly externalPolicyLocal: boolean;
  /** internalTrafficPolicy: Local. */
  readonly internalPolicyLocal: boolean;
  /** spec.healthCheckNodePort (externalTrafficPolicy Local LoadBalancers), or 0. */
  readonly healthCheckNodePort: number;
  readonly affinity: boolean;
  readonly stickySeconds: number;
}

export interface EndpointInfo {
  readonly ip: number;
  readonly ipStr: string;
  readonly port: number;
  /** "ip:port", as kube-proxy's Endpoint.String(). */
  readonly str: string;
  /** conditions.ready / serving / terminating. */
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** nodeName is this node's (kube-proxy's --hostname-override). */
  readonly isLocal: boolean;
}

/** ServicePortName.String(): fmtPortName leaves out ":" for a port without a name. */
export function servicePortName(service: string, portName: string): string {
  return portName === "" ? service : `${service}:${portName}`;
}

/** serviceToServiceMap: one info per port; load-balancer IPs and source ranges only for type LoadBalancer. */
export function servicePorts(s: Service): ServicePortInfo[] {
  const service = nsName(s);
  const affinity = s.sessionAffinity === "ClientIP";
  const lb = s.type === "LoadBalancer" ? loadBalancerIngress(s) : [];
  const externalIPs = s.externalIPs ?? [];
  const external = s.type !== "ClusterIP" || externalIPs.length > 0;
  const common = {
    loadBalancerIPs: lb,
    loadBalancerIPStrs: lb.map(formatIPv4),
    externalIPs,
    externalIPStrs: externalIPs.map(formatIPv4),
    loadBalancerSourceRanges: s.type === "LoadBalancer" ? (s.loadBalancerSourceRanges ?? []).map(formatCidr) : [],
    externalPolicyLocal: external && s.externalTrafficPolicy === "Local",
    internalPolicyLocal: s.internalTrafficPolicy === "Local",
    healthCheckNodePort:
      s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local" ? (s.healthCheckNodePort ?? 0) : 0,
  };
  return s.ports.map((p) => ({
    service,
    namespace: s.namespace,
    serviceName: s.name,
    portName: p.name,
    name: servicePortName(service, p.name),
    protocol: p.protocol,
    proto: PROTOCOL_NUMBER[p.protocol],
    clusterIP: s.clusterIP,
    clusterIPStr: formatIPv4(s.clusterIP),
    port: p.port,
    targetPort: p.targetPort,
    nodePort: s.type === "ClusterIP" ? 0 : (p.nodePort ?? 0),
    ...common,
    affinity,
    stickySeconds: affinity ? (s.stickySeconds ?? DEFAULT_STICKY_SECONDS) : 0,
  }));
}

/** The Service's load-balancer ingress IPs: loadBalancerIP first, then the rest of the ingress list. */
function loadBalancerIngress(s: Service): number[] {
  const out = s.loadBalancerIP !== undefined ? [s.loadBalancerIP] : [];
  for (const a of s.loadBalancerIngress ?? []) if (!out.includes(a)) out.push(a);
  return out;
}

const sameList = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function sameServicePort(a: ServicePortInfo, b: ServicePortInfo): boolean {
  return (
    a.name === b.name &&
    a.protocol === b.protocol &&
    a.clusterIP === b.clusterIP &&
    a.port === b.port &&
    a.targetPort === b.targetPort &&
    a.nodePort === b.nodePort &&
    sameList(a.loadBalancerIPs, b.loadBalancerIPs) &&
    sameList(a.externalIPs, b.externalIPs) &&
    sameList(a.loadBalancerSourceRanges, b.loadBalancerSourceRanges) &&
    a.externalPolicyLocal === b.externalPolicyLocal &&
    a.internalPolicyLocal === b.internalPolicyLocal &&
    a.healthCheckNodePort === b.healthCheckNodePort &&
    a.affinity === b.affinity &&
    a.stickySeconds === b.stickySeconds
  );
}

interface EndpointConditions {
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly isLocal: boolean;
}

const READY: EndpointConditions = { ready: true, serving: true, terminating: false, isLocal: false };

export function endpointInfo(ip: number, port: number, c: EndpointConditions = READY): EndpointInfo {
  const ipStr = formatIPv4(ip);
  return {
    ip,
    ipStr,
    port,
    str: `${ipStr}:${port}`,
    ready: c.ready,
    serving: c.serving,
    terminating: c.terminating,
    isLocal: c.isLocal,
  };
}

export function sameEndpoints(a: readonly EndpointInfo[] | undefined, b: readonly EndpointInfo[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i],
      y = b[i];
    if (
      x.ip !== y.ip ||
      x.port !== y.port ||
      x.ready !== y.ready ||
      x.serving !== y.serving ||
      x.terminating !== y.terminating ||
      x.isLocal !== y.isLocal
    )
      return false;
  }
  return true;
}

/** Lower-case protocol, as the rules spell it. */
export function lproto(p: ServicePortInfo): "tcp" | "udp" | "sctp" {
  return p.protocol.toLowerCase() as "tcp" | "udp" | "sctp";
}
