// What the iptables renderer is given and gives back: kube-proxy's iptables flags as they shape the text,
// one sync's service ports and what changed, and the text with its rule count (kubernetes
// pkg/proxy/iptables/proxier.go, kube-proxy v1.35.0).
import { Cidr } from "../../cluster/ip";
import { ServicePortInfo } from "../service-port";
import { Categorized } from "../categorize";

export interface IptablesOptions {
  /** localDetector (--cluster-cidr): traffic from outside it to a ClusterIP is masqueraded. */
  readonly clusterCIDR: Cidr;
  /** 1 << --iptables-masquerade-bit (14). */
  readonly masqueradeMark: number;
  /** --iptables-localhost-nodeports (default true): NodePorts on 127.0.0.1 too, guarded by KUBE-FIREWALL. */
  readonly localhostNodePorts: boolean;
  /** The node's IP: a source range holding it also admits the LoadBalancer IPs (allowFromNode). */
  readonly nodeIP: number;
  /** --masquerade-all: every ClusterIP connection is marked for masquerade. */
  readonly masqueradeAll?: boolean;
  /** iptables has MASQUERADE --random-fully (HasRandomFully). */
  readonly randomFully: boolean;
  /** The nfacct counters exist (kube-proxy's nfacct runner ensured them): the rules count into them. */
  readonly nfacct: boolean;
  /** --nodeport-addresses: the node's addresses within those CIDRs; undefined: every local address. */
  readonly nodePortIPs?: readonly number[];
}

/** metrics.LocalhostNodePortAcceptedNFAcctCounter, metrics.IPTablesCTStateInvalidDroppedNFAcctCounter. */
export const LOCALHOST_NODEPORT_NFACCT = "localhost_nps_accepted_pkts";
export const CT_INVALID_NFACCT = "ct_state_invalid_dropped_pkts";

/** largeClusterEndpointsThreshold: above it, per-endpoint rules go without comments. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

export interface RenderInput {
  readonly services: Iterable<ServicePortInfo>;
  /** proxy.CategorizeEndpoints for a service port (every port is visited, in full and partial syncs). */
  readonly categorize: (p: ServicePortInfo) => Categorized;
  /** Full sync: every Service's chains; else only those of changed Services (namespace/name). */
  readonly full: boolean;
  readonly changed: ReadonlySet<string>;
  /** iptables-save's nat chains, when this sync cleans up stale chains; undefined: no cleanup. */
  readonly existingNatChains?: Iterable<string>;
  /** More than LARGE_CLUSTER_ENDPOINTS endpoints: no comments on per-endpoint rules. */
  readonly largeClusterMode: boolean;
}

export interface Rendered {
  readonly text: string;
  /** "-A" lines in the text. */
  readonly rules: number;
  /** Listed nat chains compared with the active ones (stale-chain cleanup). */
  readonly chainsCompared: number;
}
