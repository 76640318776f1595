// The Service and node features that change what kube-proxy writes, and which modes the model does not
// follow for them: such a feature is counted by name over the service ports that use it (and once for a
// node setting), so a report can say what a number leaves out instead of dropping it silently.
import { NodeConfig } from "./node";
import { ServicePortInfo } from "./service-port";
import { ProxyMode } from "./types";

interface Feature {
  readonly name: string;
  /** A service port uses it. */
  readonly uses?: (p: ServicePortInfo) => boolean;
  /** The node's config uses it. */
  readonly node?: (n: NodeConfig) => boolean;
}

const FEATURES: readonly Feature[] = [
  { name: "externalTrafficPolicy: Local", uses: (p) => p.externalPolicyLocal },
  { name: "internalTrafficPolicy: Local", uses: (p) => p.internalPolicyLocal },
  {
    name: "loadBalancerSourceRanges",
    uses: (p) => p.loadBalancerSourceRanges.length > 0 && p.loadBalancerIPs.length > 0,
  },
  { name: "healthCheckNodePort", uses: (p) => p.healthCheckNodePort !== 0 },
  { name: "externalIPs", uses: (p) => p.externalIPs.length > 0 },
  { name: "several LoadBalancer ingress IPs", uses: (p) => p.loadBalancerIPs.length > 1 },
  { name: "masqueradeAll", node: (n) => n.masqueradeAll === true },
  { name: "nodePortAddresses", node: (n) => (n.nodePortAddresses?.length ?? 0) > 0 },
];

/**
 * What each mode leaves out. ipvs: source ranges need the KUBE-LOAD-BALANCER-FW / -SOURCE-CIDR ipsets and
 * their iptables rules, externalTrafficPolicy Local's short-circuits and drops live in iptables too (the
 * model keeps only the Local real servers), masqueradeAll and nodePortAddresses act in iptables and in
 * which node addresses get a virtual server; no mode serves the health-check port itself. userspace
 * (≤ 1.25) had no traffic policies, no source ranges and no terminating endpoints.
 */
const NOT_MODELLED: Readonly<Partial<Record<ProxyMode, readonly string[]>>> = {
  "iptables-full": ["healthCheckNodePort"],
  "iptables-partial": ["healthCheckNodePort"],
  nftables: ["healthCheckNodePort"],
  ipvs: [
    "externalTrafficPolicy: Local",
    "loadBalancerSourceRanges",
    "healthCheckNodePort",
    "masqueradeAll",
    "nodePortAddresses",
  ],
  userspace: [
    "externalTrafficPolicy: Local",
    "internalTrafficPolicy: Local",
    "loadBalancerSourceRanges",
    "healthCheckNodePort",
    "masqueradeAll",
    "nodePortAddresses",
  ],
};

/** Feature name → service ports (or 1 for a node setting) that use a feature this mode does not model. */
export function unmodelledFeatures(
  mode: ProxyMode,
  ports: Iterable<ServicePortInfo>,
  node: NodeConfig,
): Map<string, number> {
  // A mode without an entry models none of them.
  const missing = FEATURES.filter((f) => (NOT_MODELLED[mode] ?? FEATURES.map((x) => x.name)).includes(f.name));
  const out = new Map<string, number>();
  for (const f of missing) if (f.node?.(node)) out.set(f.name, 1);
  const perPort = missing.filter((f) => f.uses);
  for (const p of ports) for (const f of perPort) if (f.uses!(p)) out.set(f.name, (out.get(f.name) ?? 0) + 1);
  return out;
}
