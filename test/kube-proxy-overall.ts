// The Services and EndpointSlices of kube-proxy's TestOverallIPTablesRules / TestOverallNFTablesRules
// (kubernetes pkg/proxy/{iptables,nftables}/proxier_test.go), fed to a proxier directly as those tests
// feed theirs (makeServiceMap, populateEndpointSlices: no API validation, so NodePorts 3001..3003 stand),
// on kube-proxy's test node: testNodeName "test-node", 192.168.0.2, cluster CIDR 10.0.0.0/8.
import { EndpointSlice, SliceEndpoint } from "../src/cluster/endpointslice";
import { parseCidr, parseIPv4 } from "../src/cluster/ip";
import { Service, ServicePortSpec } from "../src/cluster/service";
import { NodeConfig } from "../src/proxy/node";
import { Proxier } from "../src/proxy/types";

export const TEST_NODE_NAME = "test-node";
export const TEST_NODE: NodeConfig = {
  nodeIP: parseIPv4("192.168.0.2"),
  clusterCIDR: parseCidr("10.0.0.0/8"),
  seed: 7,
  nodeName: TEST_NODE_NAME,
};

const ip = parseIPv4;
const p80 = (nodePort?: number): ServicePortSpec[] => [
  { name: "p80", protocol: "TCP", port: 80, targetPort: 80, nodePort },
];
const svc = (ns: string, name: string, clusterIP: string, extra: Partial<Service> = {}): Service => ({
  namespace: ns,
  name,
  type: "ClusterIP",
  clusterIP: ip(clusterIP),
  ports: p80(),
  ...extra,
});

/** The six Services of TestOverallIPTablesRules. */
export const OVERALL_SERVICES: readonly Service[] = [
  svc("ns1", "svc1", "172.30.0.41"),
  svc("ns2", "svc2", "172.30.0.42", {
    type: "LoadBalancer",
    externalTrafficPolicy: "Local",
    ports: p80(3001),
    loadBalancerIP: ip("1.2.3.4"),
    externalIPs: [ip("192.168.99.22")],
    healthCheckNodePort: 30000,
  }),
  svc("ns3", "svc3", "172.30.0.43", { type: "NodePort", ports: p80(3003) }),
  svc("ns4", "svc4", "172.30.0.44", { type: "NodePort", externalIPs: [ip("192.168.99.33")] }),
  svc("ns5", "svc5", "172.30.0.45", {
    type: "LoadBalancer",
    externalTrafficPolicy: "Cluster",
    ports: p80(3002),
    loadBalancerIP: ip("5.6.7.8"),
    healthCheckNodePort: 30000,
    loadBalancerSourceRanges: [parseCidr("203.0.113.0/25")],
    sessionAffinity: "ClientIP",
    stickySeconds: 10800,
  }),
  svc("ns6", "svc6", "172.30.0.46"),
];

const slice = (ns: string, name: string, endpoints: SliceEndpoint[]): EndpointSlice => ({
  namespace: ns,
  name: `${name}-1`,
  service: `${ns}/${name}`,
  ports: [{ name: "p80", protocol: "TCP", port: 80 }],
  endpoints,
});
const ep = (addr: string, nodeName?: string): SliceEndpoint => ({ ip: ip(addr), ready: true, pod: addr, nodeName });

/** Their EndpointSlices: svc2's endpoint has no nodeName (not local), svc4's second one is on the test node. */
export const OVERALL_SLICES: readonly EndpointSlice[] = [
  slice("ns1", "svc1", [ep("10.180.0.1")]),
  slice("ns2", "svc2", [ep("10.180.0.2")]),
  slice("ns3", "svc3", [ep("10.180.0.3")]),
  slice("ns4", "svc4", [ep("10.180.0.4"), ep("10.180.0.5", TEST_NODE_NAME)]),
  slice("ns5", "svc5", [ep("10.180.0.3")]),
];

/** makeServiceMap + populateEndpointSlices, then one (full) sync. */
export function feed(p: Proxier, services = OVERALL_SERVICES, slices = OVERALL_SLICES): void {
  for (const s of services) p.onServiceEvent({ type: "ADDED", cur: s });
  for (const s of slices) p.onSliceEvent({ type: "ADDED", cur: s });
  p.sync(0);
}

/**
 * runPacketFlowTests' view of a flow: the endpoints 64 first packets from saddr (different source ports)
 * reach, or the verdict ("drop", "reject", "pass"), and whether they were masqueraded.
 */
export function reach(p: Proxier, saddr: string, daddr: string, dport = 80): { to: Set<string>; masq: Set<boolean> } {
  const to = new Set<string>(),
    masq = new Set<boolean>();
  for (let i = 0; i < 64; i++) {
    const r = p.route({ saddr: parseIPv4(saddr), sport: 20000 + i, daddr: parseIPv4(daddr), dport, proto: 6 }, 0);
    to.add(r.verdict === "dnat" ? r.endpoint : r.verdict);
    if (r.verdict === "dnat") masq.add(!!r.masq);
  }
  return { to, masq };
}
