// kube-proxy's view of a Service port and of an endpoint (kubernetes pkg/proxy/serviceport.go,
// endpoint.go): one entry per port, named by ServicePortName.String() (pkg/proxy/types.go):
// "namespace/name:port", or "namespace/name" for a port without a name.
import { formatIPv4 } from "../cluster/ip";
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
  readonly loadBalancerIP?: number;
  readonly loadBalancerIPStr?: string;
  readonly affinity: boolean;
  readonly stickySeconds: number;
}

export interface EndpointInfo {
  readonly ip: number;
  readonly ipStr: string;
  readonly port: number;
  /** "ip:port", as kube-proxy's Endpoint.String(). */
  readonly str: string;
}

/** ServicePortName.String(): fmtPortName leaves out ":" for a port without a name. */
export function servicePortName(service: string, portName: string): string {
  return portName === "" ? service : `${service}:${portName}`;
}

/** serviceToServiceMap: one info per port; a LoadBalancer IP only for type LoadBalancer. */
export function servicePorts(s: Service): ServicePortInfo[] {
  const service = nsName(s);
  const affinity = s.sessionAffinity === "ClientIP";
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
    nodePort: s.type === "ClusterIP" ? 0 : p.nodePort ?? 0,
    loadBalancerIP: s.type === "LoadBalancer" ? s.loadBalancerIP : undefined,
    loadBalancerIPStr: s.type === "LoadBalancer" && s.loadBalancerIP !== undefined ? formatIPv4(s.loadBalancerIP) : undefined,
    affinity,
    stickySeconds: affinity ? s.stickySeconds ?? DEFAULT_STICKY_SECONDS : 0,
  }));
}

export function sameServicePort(a: ServicePortInfo, b: ServicePortInfo): boolean {
  return a.name === b.name && a.protocol === b.protocol && a.clusterIP === b.clusterIP && a.port === b.port &&
    a.targetPort === b.targetPort && a.nodePort === b.nodePort && a.loadBalancerIP === b.loadBalancerIP &&
    a.affinity === b.affinity && a.stickySeconds === b.stickySeconds;
}

export function endpointInfo(ip: number, port: number): EndpointInfo {
  const ipStr = formatIPv4(ip);
  return { ip, ipStr, port, str: `${ipStr}:${port}` };
}

export function sameEndpoints(a: readonly EndpointInfo[] | undefined, b: readonly EndpointInfo[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].ip !== b[i].ip || a[i].port !== b[i].port) return false;
  return true;
}

/** Lower-case protocol, as the rules spell it. */
export function lproto(p: ServicePortInfo): "tcp" | "udp" | "sctp" {
  return p.protocol.toLowerCase() as "tcp" | "udp" | "sctp";
}
