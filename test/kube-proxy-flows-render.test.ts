// kube-proxy's own packet-flow expectations for internalTrafficPolicy and for terminating endpoints
// under externalTrafficPolicy Local (kubernetes pkg/proxy/{iptables,nftables}/proxier_test.go
// TestInternalTrafficPolicy, TestTerminatingEndpointsTrafficPolicyLocal: their endpoints, flows and
// outputs verbatim), run through the iptables and nftables proxiers' model kernels. An output lists the
// endpoints the flow may reach; "DROP" / "REJECT" are the verdicts.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { EndpointSlice, SliceEndpoint } from "../src/cluster/endpointslice";
import { parseIPv4 } from "../src/cluster/ip";
import { Service } from "../src/cluster/service";
import { IptablesProxier } from "../src/proxy/iptables/proxier";
import { NftablesProxier } from "../src/proxy/nftables/proxier";
import { Proxier } from "../src/proxy/types";
import { reach, TEST_NODE, TEST_NODE_NAME } from "./kube-proxy-overall";

const open: { dispose(): void }[] = [];
after(() => open.forEach((o) => o.dispose()));

const testNodeName = TEST_NODE_NAME,
  testExternalClient = "203.0.113.2";
interface Flow {
  name: string;
  sourceIP: string;
  destIP: string;
  destPort: number;
  output: string;
  masq?: boolean;
}

const MODES = {
  iptables: () => new IptablesProxier({ partial: true, node: TEST_NODE }),
  nftables: () => new NftablesProxier({ node: TEST_NODE }),
};

function run(mode: keyof typeof MODES, svc: Service, eps: SliceEndpoint[], flows: Flow[]): void {
  const p: Proxier = MODES[mode]();
  open.push(p);
  const slice: EndpointSlice = {
    namespace: "ns1",
    name: "svc1-1",
    service: "ns1/svc1",
    ports: [{ name: "", protocol: "TCP", port: 80 }],
    endpoints: eps,
  };
  p.onServiceEvent({ type: "ADDED", cur: svc });
  p.onSliceEvent({ type: "ADDED", cur: slice });
  p.sync(0);
  check(p, flows);
  p.onSliceEvent({ type: "DELETED", prev: slice });
  p.sync(2000);
  check(
    p,
    flows.map((f) => ({ ...f, name: `${f.name} after endpoints deleted`, output: "REJECT", masq: undefined })),
  );
}

function check(p: Proxier, flows: Flow[]): void {
  for (const f of flows) {
    const r = reach(p, f.sourceIP, f.destIP, f.destPort);
    const want = f.output === "DROP" || f.output === "REJECT" ? [f.output.toLowerCase()] : f.output.split(", ");
    assert.deepEqual([...r.to].sort(), want.sort(), f.name);
    if (f.masq !== undefined && r.masq.size > 0) assert.deepEqual([...r.masq], [f.masq], `${f.name}: masquerade`);
  }
}

const ep = (ip: string, nodeName: string, ready = true, serving = ready, terminating = false): SliceEndpoint => ({
  ip: parseIPv4(ip),
  ready,
  serving,
  terminating,
  nodeName,
  pod: ip,
});

/** TestInternalTrafficPolicy's Service: ns1/svc1, 172.30.1.1:80, an unnamed TCP port. */
const itpService = (policy: "Cluster" | "Local"): Service => ({
  namespace: "ns1",
  name: "svc1",
  type: "ClusterIP",
  clusterIP: parseIPv4("172.30.1.1"),
  ports: [{ name: "", protocol: "TCP", port: 80, targetPort: 80 }],
  internalTrafficPolicy: policy,
});
const itpFlow = (name: string, output: string, masq?: boolean): Flow => ({
  name,
  sourceIP: "10.0.0.2",
  destIP: "172.30.1.1",
  destPort: 80,
  output,
  masq,
});

const ITP_CASES: [string, "Cluster" | "Local", [string, string][], Flow][] = [
  [
    "internalTrafficPolicy is cluster",
    "Cluster",
    [
      ["10.0.1.1", testNodeName],
      ["10.0.1.2", "node1"],
      ["10.0.1.3", "node2"],
    ],
    itpFlow("pod to ClusterIP hits all endpoints", "10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80", false),
  ],
  [
    "internalTrafficPolicy is local and there is one local endpoint",
    "Local",
    [
      ["10.0.1.1", testNodeName],
      ["10.0.1.2", "node1"],
      ["10.0.1.3", "node2"],
    ],
    itpFlow("pod to ClusterIP hits only local endpoint", "10.0.1.1:80", false),
  ],
  [
    "internalTrafficPolicy is local and there are multiple local endpoints",
    "Local",
    [
      ["10.0.1.1", testNodeName],
      ["10.0.1.2", testNodeName],
      ["10.0.1.3", "node2"],
    ],
    itpFlow("pod to ClusterIP hits all local endpoints", "10.0.1.1:80, 10.0.1.2:80", false),
  ],
  [
    "internalTrafficPolicy is local and there are no local endpoints",
    "Local",
    [
      ["10.0.1.1", "node0"],
      ["10.0.1.2", "node1"],
      ["10.0.1.3", "node2"],
    ],
    itpFlow("no endpoints", "DROP"),
  ],
];

/** TestTerminatingEndpointsTrafficPolicyLocal's Service: LoadBalancer 1.2.3.4, externalTrafficPolicy Local, health-check NodePort 30000. */
const etpService: Service = {
  namespace: "ns1",
  name: "svc1",
  type: "LoadBalancer",
  clusterIP: parseIPv4("172.30.1.1"),
  externalTrafficPolicy: "Local",
  ports: [{ name: "", protocol: "TCP", port: 80, targetPort: 80 }],
  healthCheckNodePort: 30000,
  loadBalancerIP: parseIPv4("1.2.3.4"),
};
const pod = (output: string, masq?: boolean): Flow => ({
  name: "pod to clusterIP",
  sourceIP: "10.0.0.2",
  destIP: "172.30.1.1",
  destPort: 80,
  output,
  masq,
});
const ext = (output: string, masq?: boolean): Flow => ({
  name: "external to LB",
  sourceIP: testExternalClient,
  destIP: "1.2.3.4",
  destPort: 80,
  output,
  masq,
});

const TERMINATING_CASES: [string, SliceEndpoint[], Flow[]][] = [
  [
    "ready endpoints exist",
    [
      ep("10.0.1.1", testNodeName, true, true, false),
      ep("10.0.1.2", testNodeName, true, true, false),
      ep("10.0.1.3", testNodeName, false, true, true),
      ep("10.0.1.4", testNodeName, false, false, true),
      ep("10.0.1.5", "node-1", true, true, false),
    ],
    [pod("10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", false), ext("10.0.1.1:80, 10.0.1.2:80", false)],
  ],
  [
    "only terminating endpoints exist",
    [
      ep("10.0.1.2", testNodeName, false, true, true),
      ep("10.0.1.3", testNodeName, false, true, true),
      ep("10.0.1.4", testNodeName, false, false, true),
      ep("10.0.1.5", "node-1", true, true, false),
    ],
    [pod("10.0.1.5:80", false), ext("10.0.1.2:80, 10.0.1.3:80", false)],
  ],
  [
    "terminating endpoints on remote node",
    [ep("10.0.1.5", "node-1", false, true, true)],
    [pod("10.0.1.5:80"), { ...ext("DROP"), name: "external to LB, no locally-usable endpoints" }],
  ],
  [
    "no usable endpoints on any node",
    [ep("10.0.1.5", testNodeName, false, false, true), ep("10.0.1.5", "node-1", false, false, true)],
    [
      { ...pod("REJECT"), name: "pod to clusterIP, no usable endpoints" },
      { ...ext("REJECT"), name: "external to LB, no usable endpoints" },
    ],
  ],
];

for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) {
  for (const [name, policy, eps, flow] of ITP_CASES) {
    test(`${mode} TestInternalTrafficPolicy: ${name}`, () =>
      run(
        mode,
        itpService(policy),
        eps.map(([ip, node]) => ep(ip, node)),
        [flow],
      ));
  }
  for (const [name, eps, flows] of TERMINATING_CASES) {
    test(`${mode} TestTerminatingEndpointsTrafficPolicyLocal: ${name}`, () => run(mode, etpService, eps, flows));
  }
}
