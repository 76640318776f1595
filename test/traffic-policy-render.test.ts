// What the rendered rules do with the features real clusters use, routed by each mode's model kernel:
// externalTrafficPolicy Local (only this node's endpoints, the client's address kept; pod and node traffic
// short-circuited to every endpoint; dropped without a local endpoint), internalTrafficPolicy Local,
// terminating endpoints as the fallback when no ready one is left (proxy.CategorizeEndpoints),
// loadBalancerSourceRanges, masqueradeAll, nodePortAddresses. The node is kube-proxy's test node.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { EndpointSlice, SliceEndpoint } from "../src/cluster/endpointslice";
import { parseCidr, parseIPv4 } from "../src/cluster/ip";
import { Service } from "../src/cluster/service";
import { IptablesProxier } from "../src/proxy/iptables/proxier";
import { IpvsProxier } from "../src/proxy/ipvs/proxier";
import { NftablesProxier } from "../src/proxy/nftables/proxier";
import { NodeConfig } from "../src/proxy/node";
import { Proxier } from "../src/proxy/types";
import { feed, reach, TEST_NODE, TEST_NODE_NAME } from "./kube-proxy-overall";

const open: { dispose(): void }[] = [];
after(() => open.forEach((o) => o.dispose()));
const ip = parseIPv4;
const POD = "10.0.0.2",
  OUTSIDE = "203.0.113.5",
  BLOCKED = "198.51.100.1",
  NODE = "192.168.0.2";

const lb = (name: string, n: number, extra: Partial<Service> = {}): Service => ({
  namespace: "ns",
  name,
  type: "LoadBalancer",
  clusterIP: ip(`172.30.1.${n}`),
  loadBalancerIP: ip(`5.6.8.${n}`),
  ports: [{ name: "p80", protocol: "TCP", port: 80, targetPort: 80, nodePort: 31000 + n }],
  ...extra,
});
const slice = (svc: string, eps: SliceEndpoint[]): EndpointSlice => ({
  namespace: "ns",
  name: `${svc}-1`,
  service: `ns/${svc}`,
  ports: [{ name: "p80", protocol: "TCP", port: 80 }],
  endpoints: eps,
});
const ep = (addr: string, o: Partial<SliceEndpoint> = {}): SliceEndpoint => ({
  ip: ip(addr),
  ready: true,
  pod: addr,
  ...o,
});
const local = { nodeName: TEST_NODE_NAME };

const SERVICES: Service[] = [
  lb("etp-local", 1, { externalTrafficPolicy: "Local", healthCheckNodePort: 30001 }),
  lb("etp-none", 2, { externalTrafficPolicy: "Local", healthCheckNodePort: 30002 }),
  {
    ...lb("itp-local", 3),
    type: "ClusterIP",
    loadBalancerIP: undefined,
    ports: [{ name: "p80", protocol: "TCP", port: 80, targetPort: 80 }],
    internalTrafficPolicy: "Local",
  },
  {
    ...lb("itp-none", 4),
    type: "ClusterIP",
    loadBalancerIP: undefined,
    ports: [{ name: "p80", protocol: "TCP", port: 80, targetPort: 80 }],
    internalTrafficPolicy: "Local",
  },
  lb("terminating", 5),
  lb("mixed", 6),
  lb("ranges", 7, { loadBalancerSourceRanges: [parseCidr("203.0.113.0/25")] }),
];
const SLICES: EndpointSlice[] = [
  slice("etp-local", [ep("10.180.1.1", local), ep("10.180.1.2")]),
  slice("etp-none", [ep("10.180.2.1")]),
  slice("itp-local", [ep("10.180.3.1", local), ep("10.180.3.2")]),
  slice("itp-none", [ep("10.180.4.1")]),
  slice("terminating", [
    ep("10.180.5.1", { ready: false, serving: true, terminating: true }),
    ep("10.180.5.2", { ready: false, serving: false, terminating: true }),
  ]),
  slice("mixed", [ep("10.180.6.1", { ready: false, serving: true, terminating: true }), ep("10.180.6.2")]),
  slice("ranges", [ep("10.180.7.1")]),
];

type Mode = "iptables" | "nftables" | "ipvs";
function proxier(mode: Mode, node: NodeConfig = TEST_NODE): Proxier {
  const p =
    mode === "iptables"
      ? new IptablesProxier({ partial: true, node, keepText: true })
      : mode === "nftables"
        ? new NftablesProxier({ node })
        : new IpvsProxier({ node });
  open.push(p);
  feed(p, SERVICES, SLICES);
  return p;
}

const set = <T>(...xs: T[]) => new Set<T>(xs);

for (const mode of ["iptables", "nftables", "ipvs"] as const) {
  test(`${mode}: externalTrafficPolicy Local sends outside clients to this node's endpoints only`, () => {
    const p = proxier(mode);
    assert.deepEqual(reach(p, OUTSIDE, "5.6.8.1").to, set("10.180.1.1:80"), "LoadBalancer IP");
    assert.deepEqual(reach(p, OUTSIDE, NODE, 31001).to, set("10.180.1.1:80"), "NodePort");
    if (mode !== "ipvs") {
      assert.deepEqual(reach(p, OUTSIDE, "5.6.8.1").masq, set(false), "the client's address is kept");
      assert.deepEqual(
        reach(p, POD, "5.6.8.1").to,
        set("10.180.1.1:80", "10.180.1.2:80"),
        "pod traffic is short-circuited to every endpoint",
      );
      assert.deepEqual(reach(p, OUTSIDE, "5.6.8.2").to, set("drop"), "no local endpoint: dropped");
    }
    assert.deepEqual(
      reach(p, POD, "172.30.1.1").to,
      set("10.180.1.1:80", "10.180.1.2:80"),
      "the ClusterIP keeps Cluster policy",
    );
  });

  test(`${mode}: internalTrafficPolicy Local keeps ClusterIP traffic on this node`, () => {
    const p = proxier(mode);
    assert.deepEqual(reach(p, POD, "172.30.1.3").to, set("10.180.3.1:80"));
    if (mode !== "ipvs") assert.deepEqual(reach(p, POD, "172.30.1.4").to, set("drop"), "no local endpoint: dropped");
  });

  test(`${mode}: terminating endpoints that still serve are the fallback when no endpoint is ready`, () => {
    const p = proxier(mode);
    assert.deepEqual(
      reach(p, POD, "172.30.1.5").to,
      set("10.180.5.1:80"),
      "serving and terminating, not the one that stopped serving",
    );
    assert.deepEqual(
      reach(p, POD, "172.30.1.6").to,
      set("10.180.6.2:80"),
      "a ready endpoint wins over a terminating one",
    );
  });
}

for (const mode of ["iptables", "nftables"] as const) {
  test(`${mode}: loadBalancerSourceRanges admit the ranges and drop the rest`, () => {
    const p = proxier(mode);
    assert.deepEqual(reach(p, OUTSIDE, "5.6.8.7").to, set("10.180.7.1:80"));
    assert.deepEqual(reach(p, BLOCKED, "5.6.8.7").to, set("drop"));
    assert.deepEqual(
      reach(p, BLOCKED, NODE, 31007).to,
      set("10.180.7.1:80"),
      "NodePorts are not subject to source ranges",
    );
  });

  test(`${mode}: masqueradeAll masquerades pod traffic to a ClusterIP; nodePortAddresses limit where NodePorts answer`, () => {
    assert.deepEqual(reach(proxier(mode), POD, "172.30.1.7").masq, set(false));
    assert.deepEqual(reach(proxier(mode, { ...TEST_NODE, masqueradeAll: true }), POD, "172.30.1.7").masq, set(true));
    const limited = proxier(mode, { ...TEST_NODE, nodePortAddresses: [parseCidr("10.99.0.0/16")] });
    assert.deepEqual(
      reach(limited, OUTSIDE, NODE, 31007).to,
      set("pass"),
      "the node IP is outside --nodeport-addresses",
    );
  });
}

test("features a mode does not model are counted by name over the service ports that use them", () => {
  const ipt = proxier("iptables"),
    ipvs = proxier("ipvs", { ...TEST_NODE, masqueradeAll: true });
  assert.deepEqual(Object.fromEntries(ipt.unmodelled!()), { healthCheckNodePort: 2 });
  assert.deepEqual(Object.fromEntries(ipvs.unmodelled!()), {
    "externalTrafficPolicy: Local": 2,
    loadBalancerSourceRanges: 1,
    healthCheckNodePort: 2,
    masqueradeAll: 1,
  });
});

test("both traffic policies Local: the Cluster endpoints stay for the short-circuits, so the rules load (UsesClusterEndpoints)", () => {
  const both = lb("both-local", 8, {
    externalTrafficPolicy: "Local",
    internalTrafficPolicy: "Local",
    healthCheckNodePort: 30008,
  });
  for (const p of [
    new IptablesProxier({ partial: false, node: TEST_NODE }),
    new NftablesProxier({ node: TEST_NODE }),
  ]) {
    open.push(p);
    feed(p, [both], [slice("both-local", [ep("10.180.8.1")])]);
    assert.deepEqual(
      reach(p, POD, "5.6.8.8").to,
      set("10.180.8.1:80"),
      "pod traffic to the LoadBalancer IP is short-circuited to the Cluster endpoints",
    );
    assert.deepEqual(reach(p, POD, "172.30.1.8").to, set("drop"), "the ClusterIP has no local endpoint");
  }
});
