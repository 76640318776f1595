// The Service object (kubernetes staging/src/k8s.io/api/core/v1/types.go ServiceSpec), cut to what
// kube-proxy reads: type, ClusterIP, ports, selector, session affinity, the LoadBalancer's IP.
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, SvcbenchError } from "../core";
import { checkIPv4, Cidr } from "./ip";
import { checkDnsLabel, checkLabels, Labels } from "./labels";

export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";
export type Protocol = "TCP" | "UDP" | "SCTP";
type SessionAffinity = "None" | "ClientIP";

export const PROTOCOL_NUMBER: Readonly<Record<Protocol, number>> = {
  TCP: IPPROTO_TCP,
  UDP: IPPROTO_UDP,
  SCTP: IPPROTO_SCTP,
};
/** kube-apiserver --service-node-port-range default. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;
/** v1.DefaultClientIPServiceAffinitySeconds: 3 hours. */
export const DEFAULT_STICKY_SECONDS = 10800;
/** v1.MaxClientIPServiceAffinitySeconds: one day. */
const MAX_STICKY_SECONDS = 86400;

export interface ServicePortSpec {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** Numeric targetPort only: the port the pods listen on. */
  readonly targetPort: number;
  /** NodePort and LoadBalancer Services; the store allocates one when absent. */
  readonly nodePort?: number;
}

export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly type: ServiceType;
  readonly clusterIP: number;
  readonly ports: readonly ServicePortSpec[];
  readonly selector?: Labels;
  readonly sessionAffinity?: SessionAffinity;
  /** spec.sessionAffinityConfig.clientIP.timeoutSeconds */
  readonly stickySeconds?: number;
  /** status.loadBalancer.ingress[0].ip: the LoadBalancer's own external IP, once the cloud assigned it. */
  readonly loadBalancerIP?: number;
  /** Further status.loadBalancer.ingress[].ip (a LoadBalancer with several ingress IPs). */
  readonly loadBalancerIngress?: readonly number[];
  /** spec.externalIPs: addresses outside the cluster that route to the Service. */
  readonly externalIPs?: readonly number[];
  /** spec.loadBalancerSourceRanges: the client ranges a LoadBalancer accepts. */
  readonly loadBalancerSourceRanges?: readonly Cidr[];
  /** spec.externalTrafficPolicy (default Cluster): Local keeps external traffic on this node's endpoints. */
  readonly externalTrafficPolicy?: TrafficPolicy;
  /** spec.internalTrafficPolicy (default Cluster): Local keeps ClusterIP traffic on this node's endpoints. */
  readonly internalTrafficPolicy?: TrafficPolicy;
  /** spec.healthCheckNodePort: a LoadBalancer with externalTrafficPolicy Local answers health checks here. */
  readonly healthCheckNodePort?: number;
}

type TrafficPolicy = "Cluster" | "Local";

/** namespace/name: the key of every per-Service map (types.NamespacedName). */
export function nsName(o: { namespace: string; name: string }): string {
  return `${o.namespace}/${o.name}`;
}

function checkPortNumber(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new SvcbenchError(`${what} must be a port number 1..65535, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Checks a Service the way kube-apiserver's validation would (the parts modelled); the message names the field. */
export function checkService(s: Service): Service {
  const at = `Service ${s?.namespace}/${s?.name}`;
  checkDnsLabel(`${at}: namespace`, s.namespace);
  checkDnsLabel(`${at}: name`, s.name);
  if (!["ClusterIP", "NodePort", "LoadBalancer"].includes(s.type)) {
    throw new SvcbenchError(`${at}: type must be ClusterIP, NodePort or LoadBalancer, got ${JSON.stringify(s.type)}`);
  }
  checkIPv4(`${at}: clusterIP`, s.clusterIP);
  if (!Array.isArray(s.ports) || s.ports.length === 0)
    throw new SvcbenchError(`${at}: ports must list at least one port`);
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const [i, p] of s.ports.entries()) {
    const pat = `${at}: ports[${i}]`;
    if (s.ports.length > 1 || p.name !== "") checkDnsLabel(`${pat}.name`, p.name, 15);
    if (names.has(p.name)) throw new SvcbenchError(`${pat}.name ${JSON.stringify(p.name)} is used twice`);
    names.add(p.name);
    if (!(p.protocol in PROTOCOL_NUMBER))
      throw new SvcbenchError(`${pat}.protocol must be TCP, UDP or SCTP, got ${JSON.stringify(p.protocol)}`);
    checkPortNumber(`${pat}.port`, p.port);
    checkPortNumber(`${pat}.targetPort`, p.targetPort);
    const key = `${p.protocol}/${p.port}`;
    if (keys.has(key)) throw new SvcbenchError(`${pat}: ${key} is listed twice`);
    keys.add(key);
    if (p.nodePort !== undefined) {
      if (s.type === "ClusterIP") throw new SvcbenchError(`${pat}.nodePort: a ClusterIP Service has no node ports`);
      if (!Number.isInteger(p.nodePort) || p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max) {
        throw new SvcbenchError(
          `${pat}.nodePort must be within ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}, got ${p.nodePort}`,
        );
      }
    }
  }
  checkLabels(`${at}: selector`, s.selector);
  if (s.sessionAffinity !== undefined && s.sessionAffinity !== "None" && s.sessionAffinity !== "ClientIP") {
    throw new SvcbenchError(
      `${at}: sessionAffinity must be None or ClientIP, got ${JSON.stringify(s.sessionAffinity)}`,
    );
  }
  if (
    s.stickySeconds !== undefined &&
    (!Number.isInteger(s.stickySeconds) || s.stickySeconds < 1 || s.stickySeconds > MAX_STICKY_SECONDS)
  ) {
    throw new SvcbenchError(
      `${at}: session affinity timeout must be 1..${MAX_STICKY_SECONDS} seconds, got ${s.stickySeconds}`,
    );
  }
  if (s.loadBalancerIP !== undefined) {
    if (s.type !== "LoadBalancer") throw new SvcbenchError(`${at}: only a LoadBalancer Service has a load-balancer IP`);
    checkIPv4(`${at}: loadBalancerIP`, s.loadBalancerIP);
  }
  checkTrafficFields(at, s);
  return s;
}

/** externalIPs, further ingress IPs, source ranges, traffic policies and the health-check NodePort. */
function checkTrafficFields(at: string, s: Service): void {
  const list = (what: string, v: unknown) => {
    if (v !== undefined && !Array.isArray(v)) throw new SvcbenchError(`${at}: ${what} must be a list`);
  };
  list("externalIPs", s.externalIPs);
  (s.externalIPs ?? []).forEach((a, i) => checkIPv4(`${at}: externalIPs[${i}]`, a));
  list("loadBalancerIngress", s.loadBalancerIngress);
  list("loadBalancerSourceRanges", s.loadBalancerSourceRanges);
  if (
    s.type !== "LoadBalancer" &&
    (s.loadBalancerIngress?.length || s.loadBalancerSourceRanges?.length || s.healthCheckNodePort !== undefined)
  ) {
    throw new SvcbenchError(
      `${at}: only a LoadBalancer Service has load-balancer ingress IPs, source ranges or a health-check node port`,
    );
  }
  (s.loadBalancerIngress ?? []).forEach((a, i) => checkIPv4(`${at}: loadBalancerIngress[${i}]`, a));
  (s.loadBalancerSourceRanges ?? []).forEach((c, i) => {
    if (typeof c !== "object" || c === null || !Number.isInteger(c.bits) || c.bits < 0 || c.bits > 32)
      throw new SvcbenchError(`${at}: loadBalancerSourceRanges[${i}] must be a CIDR with a prefix length 0..32`);
    checkIPv4(`${at}: loadBalancerSourceRanges[${i}]`, c.base);
  });
  for (const f of ["externalTrafficPolicy", "internalTrafficPolicy"] as const) {
    const v = s[f];
    if (v !== undefined && v !== "Cluster" && v !== "Local")
      throw new SvcbenchError(`${at}: ${f} must be Cluster or Local, got ${JSON.stringify(v)}`);
  }
  if (s.externalTrafficPolicy === "Local" && s.type === "ClusterIP" && !s.externalIPs?.length) {
    throw new SvcbenchError(
      `${at}: externalTrafficPolicy applies only to a Service with external traffic (NodePort, LoadBalancer or externalIPs)`,
    );
  }
  if (s.healthCheckNodePort !== undefined) {
    if (s.externalTrafficPolicy !== "Local")
      throw new SvcbenchError(`${at}: healthCheckNodePort needs externalTrafficPolicy Local`);
    checkPortNumber(`${at}: healthCheckNodePort`, s.healthCheckNodePort);
  }
}
