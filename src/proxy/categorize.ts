// proxy.CategorizeEndpoints (kubernetes pkg/proxy/topology.go): which endpoints a service port's
// Cluster and Local traffic policies use on this node, the union of both, and whether any endpoint is
// usable anywhere. Ready endpoints first; with none, serving-and-terminating ones (the fallback).
// Topology hints are not modelled (canUseTopology is false), so the union is the merge of the two lists
// only when Local falls back to terminating endpoints; kube-proxy merges through a Go map (random
// order), the model keeps the endpoints' own order.
import { EndpointInfo, ServicePortInfo } from "./service-port";

export interface Categorized {
  /** Cluster traffic policy's endpoints; empty when the port never uses Cluster policy. */
  readonly cluster: readonly EndpointInfo[];
  /** Local traffic policy's endpoints (this node's); empty when the port never uses Local policy. */
  readonly local: readonly EndpointInfo[];
  /** Every endpoint this node may route to under the port's policies. */
  readonly allReachable: readonly EndpointInfo[];
  /** Some endpoint is usable somewhere in the cluster. */
  readonly hasAny: boolean;
}

/** ExternallyAccessible: a NodePort, an external IP or a load-balancer IP. */
export function externallyAccessible(p: ServicePortInfo): boolean {
  return p.nodePort !== 0 || p.externalIPs.length > 0 || p.loadBalancerIPs.length > 0;
}

/**
 * UsesClusterEndpoints (pkg/proxy/serviceport.go): internal policy Cluster, or any external traffic at all
 * (under externalTrafficPolicy Local the Cluster endpoints serve the short-circuits).
 */
export function usesClusterEndpoints(p: ServicePortInfo): boolean {
  return !p.internalPolicyLocal || externallyAccessible(p);
}

/** UsesLocalEndpoints: internal policy Local, or external traffic under Local policy. */
export function usesLocalEndpoints(p: ServicePortInfo): boolean {
  return p.internalPolicyLocal || (externallyAccessible(p) && p.externalPolicyLocal);
}

const NONE: readonly EndpointInfo[] = [];
const servingTerminating = (e: EndpointInfo) => e.serving && e.terminating;

export function categorizeEndpoints(eps: readonly EndpointInfo[], p: ServicePortInfo): Categorized {
  let cluster: readonly EndpointInfo[] = NONE,
    local: readonly EndpointInfo[] = NONE;
  let hasAny = false,
    useServingTerminating = false;
  const usesCluster = usesClusterEndpoints(p);
  if (usesCluster) {
    cluster = eps.every((e) => e.ready) ? eps : eps.filter((e) => e.ready);
    if (cluster.length === 0) cluster = eps.filter(servingTerminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(p)) return { cluster, local, allReachable: cluster, hasAny };
  let localReady = false,
    localTerminating = false;
  for (const e of eps) {
    if (e.ready) {
      hasAny = true;
      if (e.isLocal) localReady = true;
    } else if (servingTerminating(e)) {
      hasAny = true;
      if (e.isLocal) localTerminating = true;
    }
  }
  if (localReady) local = eps.filter((e) => e.isLocal && e.ready);
  else if (localTerminating) {
    useServingTerminating = true;
    local = eps.filter((e) => e.isLocal && servingTerminating(e));
  }
  if (!usesCluster) return { cluster, local, allReachable: local, hasAny };
  if (!useServingTerminating) return { cluster, local, allReachable: cluster, hasAny };
  const seen = new Set(cluster.map((e) => e.str));
  return { cluster, local, allReachable: [...cluster, ...local.filter((e) => !seen.has(e.str))], hasAny };
}

/**
 * What syncProxyRules works out from a port's categorized endpoints, alike in the iptables and nftables
 * proxiers: whether its internal and external traffic have endpoints (a Local policy with no local one has
 * none), and which endpoint sets and entry points it uses.
 */
export function endpointUse(p: ServicePortInfo, c: Categorized) {
  const hasEndpoints = c.hasAny;
  return {
    hasEndpoints,
    hasInternal: hasEndpoints && !(p.internalPolicyLocal && c.local.length === 0),
    hasExternal: hasEndpoints && !(p.externalPolicyLocal && c.local.length === 0),
    usesCluster: c.cluster.length > 0 && usesClusterEndpoints(p),
    usesLocal: c.local.length > 0 && usesLocalEndpoints(p),
    usesExt: hasEndpoints && externallyAccessible(p),
  };
}
