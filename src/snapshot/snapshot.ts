// A cluster as one node's kube-proxy sees it, reduced to what drives its sync work: per Service its
// type, service ports, ready endpoints (and those on this node) and the features it uses. What kube-proxy
// ignores (headless, ExternalName) and what svcbench does not model (IPv6 slices, trafficDistribution) is counted by name.

export type ModelledType = "ClusterIP" | "NodePort" | "LoadBalancer";

export interface SnapshotService {
  readonly namespace: string;
  readonly name: string;
  readonly type: ModelledType;
  readonly clusterIP: number;
  /** Service ports (each one a KUBE-SERVICES rule, a service-ips element, a virtual server). */
  readonly ports: number;
  /** Σ over ports of the length of its ServicePortName ("namespace/name:port"): the rules' comments. */
  readonly portNameChars: number;
  /** Σ over ports of the digits of the port number. */
  readonly portDigits: number;
  /** Ready IPv4 endpoints over the Service's slices (unique addresses). */
  readonly endpoints: number;
  /** Ready endpoints whose nodeName is the chosen node. */
  readonly local: number;
  /** Serving and terminating endpoints (not ready). */
  readonly terminating: number;
  readonly affinity: boolean;
  readonly externalTrafficPolicyLocal: boolean;
  readonly internalTrafficPolicyLocal: boolean;
  readonly externalIPs: number;
  /** status.loadBalancer.ingress IPs. */
  readonly loadBalancerIPs: number;
  readonly loadBalancerSourceRanges: number;
}

export interface SnapshotCounts {
  /** Services kube-proxy programs (IPv4 ClusterIP, NodePort, LoadBalancer). */
  services: number;
  servicePorts: number;
  endpoints: number;
  /** clusterIP None: kube-proxy skips them. */
  headless: number;
  externalName: number;
  slices: number;
  /** IPv6 (and FQDN) slices: counted, not modelled. */
  ipv6Slices: number;
  /** Slices no Service of the List owns (by the kubernetes.io/service-name label). */
  orphanSlices: number;
  /** Items of other kinds, by kind. */
  unknownKinds: Record<string, number>;
}

export interface Snapshot {
  /** Where it came from: a file name, "-" or a shape. */
  readonly source: string;
  readonly services: readonly SnapshotService[];
  /** The node whose kube-proxy is predicted (decides which endpoints are local). */
  readonly node: string;
  readonly counts: SnapshotCounts;
  /** What no mode's counts follow (topology, IPv6), by name: Services or slices using each. Per-mode gaps are in each mode's prediction. */
  readonly notModelled: Record<string, number>;
  /** Up to a few orphan slices, namespace/name, for the message. */
  readonly orphanExamples: readonly string[];
}

/** ServicePortName.String(): "namespace/name:port", or "namespace/name" for an unnamed port. */
export function portNameLength(namespace: string, name: string, port: string | undefined): number {
  return namespace.length + 1 + name.length + (port ? port.length + 1 : 0);
}

export const emptyCounts = (): SnapshotCounts => ({
  services: 0,
  servicePorts: 0,
  endpoints: 0,
  headless: 0,
  externalName: 0,
  slices: 0,
  ipv6Slices: 0,
  orphanSlices: 0,
  unknownKinds: {},
});

/** Endpoints per Service as "min / p50 / p90 / max". */
export function endpointSpread(services: readonly SnapshotService[]): {
  min: number;
  p50: number;
  p90: number;
  max: number;
  mean: number;
} {
  if (services.length === 0) return { min: 0, p50: 0, p90: 0, max: 0, mean: 0 };
  const e = Int32Array.from(services, (s) => s.endpoints).sort();
  const at = (q: number) => e[Math.min(e.length - 1, Math.floor(q * e.length))];
  return { min: e[0], p50: at(0.5), p90: at(0.9), max: e[e.length - 1], mean: e.reduce((a, b) => a + b, 0) / e.length };
}
