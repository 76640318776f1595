// The node every proxier runs on: its address, the cluster's pod range, and the seed of the kernel's
// random draws (statistic, numgen) so that the same seed routes the same way (kubernetes
// pkg/proxy/apis/config: the node IP and clusterCIDR every proxier is given).
import { Cidr, cidrContains, CLUSTER_CIDR, NODE_IP } from "../cluster/ip";

export interface NodeConfig {
  /** The node's own IP: NodePorts answer on it (and on 127.0.0.1). */
  readonly nodeIP: number;
  /** --cluster-cidr: the pod range (kube-proxy's localDetector). */
  readonly clusterCIDR: Cidr;
  readonly seed: number;
  /** --hostname-override: endpoints whose nodeName is this one are local. */
  readonly nodeName?: string;
  /** --masquerade-all: every ClusterIP connection is masqueraded. */
  readonly masqueradeAll?: boolean;
  /** --service-cluster-ip-range as kube-proxy learns it (nftables drops traffic to unallocated ClusterIPs in it). */
  readonly serviceCIDR?: Cidr;
  /** --nodeport-addresses: the CIDRs whose local addresses accept NodePorts (default: all local addresses). */
  readonly nodePortAddresses?: readonly Cidr[];
}

export const DEFAULT_NODE: NodeConfig = { nodeIP: NODE_IP, clusterCIDR: CLUSTER_CIDR, seed: 1, nodeName: "node-1" };

/** addrtype --dst-type LOCAL / fib daddr type local: the node's IP or loopback. */
export function isLocalAddress(node: NodeConfig, addr: number): boolean {
  return addr === node.nodeIP || addr >>> 24 === 127;
}

/** The node's own addresses: its IP and 127.0.0.1 (kube-proxy's networkInterfacer lists every local address). */
export const LOOPBACK = 0x7f000001;

/**
 * NodePortAddresses.GetNodeIPs: the node's addresses within --nodeport-addresses; undefined when unset (every
 * local address).
 */
export function nodePortIPs(node: NodeConfig): number[] | undefined {
  if (node.nodePortAddresses === undefined || node.nodePortAddresses.length === 0) return undefined;
  return [node.nodeIP, LOOPBACK].filter((a) => node.nodePortAddresses!.some((c) => cidrContains(c, a)));
}
