// The rendered texts are valid input for the real tools: iptables-restore --test (nft and legacy
// backends) and nft -c -f, inside a private network namespace this test creates and deletes; the
// host's own rules are never touched. Skipped, with the reason, without root or the binaries.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import { IptablesProxier } from "../src/proxy/iptables/proxier";
import { NftablesProxier } from "../src/proxy/nftables/proxier";
import { Protocol } from "../src/cluster/service";
import { Fixture, LB_IP, POD_IP, service } from "./proxy-fixture";
import { feed, OVERALL_SERVICES, OVERALL_SLICES, TEST_NODE, TEST_NODE_NAME } from "./kube-proxy-overall";
import { parseCidr, parseIPv4 } from "../src/cluster/ip";
import { EndpointSlice } from "../src/cluster/endpointslice";
import { Service } from "../src/cluster/service";

const NS = `svcbench-test-${process.pid}`;
const have = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root for a private network namespace";
  for (const b of ["ip", "iptables-restore", "nft"])
    if (!have(b)) return `${b} is not installed (apt-get install iptables nftables iproute2)`;
  const r = spawnSync("ip", ["netns", "add", NS]);
  if (r.status !== 0) return `cannot create a network namespace: ${r.stderr.toString().trim()}`;
  return undefined;
}
const skip = skipReason();
after(() => {
  if (!skip) spawnSync("ip", ["netns", "del", NS]);
});

function inNs(args: string[], input: string): void {
  const r = spawnSync("ip", ["netns", "exec", NS, ...args], { input });
  assert.equal(
    r.status,
    0,
    `${args.join(" ")} refused the text: ${r.stderr.toString()}\n--- first lines:\n${input.split("\n").slice(0, 5).join("\n")}`,
  );
}

/** Every kind of Service port the renderers write: all protocols, NodePort, LoadBalancer, affinity, no endpoints. */
function cluster(f: Fixture): void {
  const protos: Protocol[] = ["TCP", "UDP", "SCTP"];
  for (let i = 0; i < 6; i++) {
    const type = i % 3 === 0 ? "ClusterIP" : i % 3 === 1 ? "NodePort" : "LoadBalancer";
    f.store.createService(
      service(i, {
        type,
        loadBalancerIP: type === "LoadBalancer" ? LB_IP(i) : undefined,
        sessionAffinity: i === 2 ? "ClientIP" : "None",
        ports: [
          { name: "p", protocol: protos[i % 3], port: 80 + i, targetPort: 8080 },
          { name: "q", protocol: "TCP", port: 443, targetPort: 8443 },
        ],
      }),
    );
    for (let k = 0; k < (i === 5 ? 0 : 3); k++)
      f.store.createPod({
        namespace: "ns",
        name: `p${i}-${k}`,
        labels: { app: `a${i}` },
        ip: POD_IP(10 * i + k),
        ready: true,
      });
  }
}

test("iptables-restore --test accepts the full and the partial restore text", { skip }, () => {
  const f = new Fixture(["iptables-partial"]);
  try {
    cluster(f);
    f.sync();
    const p = f.node("iptables-partial").proxier as IptablesProxier;
    const full = p.lastText!;
    inNs(["iptables-restore", "--test", "--noflush"], full);
    if (have("iptables-legacy-restore")) inNs(["iptables-legacy-restore", "--test", "--noflush"], full);
    inNs(["iptables-restore", "--noflush"], full);
    f.store.deletePod("ns", "p0-0");
    f.store.deleteService("ns", "svc1");
    f.store.createPod({ namespace: "ns", name: "x", labels: { app: "a5" }, ip: POD_IP(99), ready: true });
    f.sync();
    assert.ok(p.lastText!.includes("-X KUBE-SEP-"), "the partial text deletes stale chains");
    inNs(["iptables-restore", "--test", "--noflush"], p.lastText!);
    inNs(["iptables-restore", "--noflush"], p.lastText!);
  } finally {
    f.dispose();
  }
});

test("nft -c -f accepts the first transaction and the incremental ones, stale-chain deletion included", {
  skip,
}, () => {
  const f = new Fixture(["nftables"]);
  try {
    cluster(f);
    f.sync();
    const p = f.node("nftables").proxier as NftablesProxier;
    inNs(["nft", "-c", "-f", "-"], p.lastText!);
    inNs(["nft", "-f", "-"], p.lastText!);
    f.store.deletePod("ns", "p0-0");
    f.store.deleteService("ns", "svc1");
    f.sync();
    inNs(["nft", "-c", "-f", "-"], p.lastText!);
    inNs(["nft", "-f", "-"], p.lastText!);
    f.store.createPod({ namespace: "ns", name: "x", labels: { app: "a5" }, ip: POD_IP(99), ready: true });
    f.sync();
    assert.ok(p.lastText!.startsWith("delete chain "), "the stale chains go in this sync");
    inNs(["nft", "-c", "-f", "-"], p.lastText!);
    inNs(["nft", "-f", "-"], p.lastText!);
  } finally {
    f.dispose();
  }
});

/** kube-proxy's overall test Services, and the features they leave out: Local policies with local and terminating endpoints, a source range holding the node, several ingress IPs. */
function featureServices(): { services: Service[]; slices: EndpointSlice[] } {
  const ip = parseIPv4,
    p80 = [{ name: "p80", protocol: "TCP" as const, port: 80, targetPort: 80, nodePort: 3007 }];
  const services: Service[] = [
    ...OVERALL_SERVICES,
    {
      namespace: "ns7",
      name: "svc7",
      type: "LoadBalancer",
      clusterIP: ip("172.30.0.47"),
      ports: p80,
      externalTrafficPolicy: "Local",
      healthCheckNodePort: 30007,
      loadBalancerIP: ip("5.6.7.9"),
      loadBalancerIngress: [ip("5.6.7.10")],
      loadBalancerSourceRanges: [parseCidr("192.168.0.0/16")],
    },
    {
      namespace: "ns8",
      name: "svc8",
      type: "ClusterIP",
      clusterIP: ip("172.30.0.48"),
      ports: [{ ...p80[0], nodePort: undefined }],
      internalTrafficPolicy: "Local",
    },
  ];
  const slice = (ns: string, name: string, eps: EndpointSlice["endpoints"]): EndpointSlice => ({
    namespace: ns,
    name: `${name}-1`,
    service: `${ns}/${name}`,
    ports: [{ name: "p80", protocol: "TCP", port: 80 }],
    endpoints: eps,
  });
  const slices = [
    ...OVERALL_SLICES,
    slice("ns7", "svc7", [
      { ip: ip("10.180.0.7"), ready: true, pod: "a", nodeName: TEST_NODE_NAME },
      { ip: ip("10.180.0.8"), ready: true, pod: "b" },
    ]),
    slice("ns8", "svc8", [
      { ip: ip("10.180.0.9"), ready: false, serving: true, terminating: true, pod: "c", nodeName: TEST_NODE_NAME },
    ]),
  ];
  return { services, slices };
}

test("the tools accept kube-proxy's overall test Services with every modelled feature, masqueradeAll and nodePortAddresses too", {
  skip,
}, () => {
  const { services, slices } = featureServices();
  for (const node of [
    TEST_NODE,
    { ...TEST_NODE, masqueradeAll: true, nodePortAddresses: [parseCidr("192.168.0.0/24"), parseCidr("127.0.0.0/8")] },
  ]) {
    const ipt = new IptablesProxier({ partial: false, node, keepText: true });
    const nft = new NftablesProxier({ node, keepText: true });
    try {
      feed(ipt, services, slices);
      feed(nft, services, slices);
      for (const want of ["KUBE-SVL-", "KUBE-FW-", "has no local endpoints"])
        assert.ok(ipt.lastText!.includes(want), want);
      inNs(["iptables-restore", "--test", "--noflush"], ipt.lastText!);
      for (const want of ["local-", "firewall-", "short-circuit"]) assert.ok(nft.lastText!.includes(want), want);
      inNs(["nft", "-c", "-f", "-"], nft.lastText!);
    } finally {
      ipt.dispose();
      nft.dispose();
    }
  }
});
