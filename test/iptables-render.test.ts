// The iptables proxier's restore text in kube-proxy's layout (the expected rules are those of
// kubernetes pkg/proxy/iptables/proxier_test.go TestOverallIPTablesRules for the same Services, compared
// chain by chain in order as its assertIPTablesRulesEqual does),
// partial sync, large-cluster mode, probabilities, and the restore model's all-or-nothing rules.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { EndpointSliceController } from "../src/cluster/endpoints-controller";
import { parseCidr, parseIPv4 } from "../src/cluster/ip";
import { ClusterStore } from "../src/cluster/store";
import { SvcbenchError } from "../src/core";
import { IptablesProxier } from "../src/proxy/iptables/proxier";
import { IptablesTables } from "../src/proxy/iptables/tables";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { createKubeProxyTestServices } from "./proxy-fixture";

const node = { nodeIP: parseIPv4("192.168.0.2"), clusterCIDR: parseCidr("10.0.0.0/8"), seed: 7 };
const open: { dispose(): void }[] = [];
after(() => open.forEach((o) => o.dispose()));

/** kube-proxy's test Services: svc1 ClusterIP, svc3 NodePort, svc4 two endpoints, svc6 none. */
function kubeProxyTestCluster(partial: boolean) {
  const store = new ClusterStore();
  new EndpointSliceController(store);
  createKubeProxyTestServices(store);
  const proxier = new IptablesProxier({ partial, node, keepText: true });
  open.push(proxier);
  const kp = new KubeProxy(store, proxier);
  kp.flush();
  return { store, proxier, kp };
}

/** Service name of a rule's comment: up to the first space or colon (orderByCommentServiceName). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const commentService = (l: string) => /--comment "?([^ ":]*)/.exec(l)?.[1] ?? "";

/**
 * A table's rules chain by chain, in order within each chain, as kube-proxy's sortIPTablesRules
 * compares them (kubernetes pkg/proxy/iptables/proxier_test.go): only KUBE-SERVICES and KUBE-NODEPORTS
 * are sorted by service name (stable), the "must be the last rule" rule kept last.
 */
function chainRules(text: string, table: string): Record<string, string[]> {
  const block = text.split("COMMIT\n").find((b) => b.startsWith(`*${table}\n`)) ?? "";
  const out: Record<string, string[]> = {};
  for (const l of block.split("\n")) {
    if (l.startsWith(":")) out[l.slice(1, l.indexOf(" "))] ??= [];
    else if (l.startsWith("-A ")) (out[l.split(" ")[1]] ??= []).push(l);
  }
  const last = (l: string) => l.includes("must be the last rule");
  for (const c of ["KUBE-SERVICES", "KUBE-NODEPORTS"]) {
    out[c]?.sort(
      (a, b) => Number(last(a)) - Number(last(b)) || (last(a) ? 0 : cmp(commentService(a), commentService(b))),
    );
  }
  return out;
}

test("the restore text has kube-proxy's rules for the same Services, in order within each chain", () => {
  const { proxier } = kubeProxyTestCluster(false);
  const text = proxier.lastText!;
  assert.deepEqual(chainRules(text, "filter"), {
    "KUBE-SERVICES": [
      `-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT`,
    ],
    "KUBE-EXTERNAL-SERVICES": [],
    "KUBE-FORWARD": [
      `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT`,
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    ],
    "KUBE-NODEPORTS": [],
    "KUBE-PROXY-FIREWALL": [],
    "KUBE-FIREWALL": [
      `-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    ],
  });
  const sep = (chain: string, svc: string, ip: string) => [
    `-A ${chain} -m comment --comment ${svc} -s ${ip} -j KUBE-MARK-MASQ`,
    `-A ${chain} -m comment --comment ${svc} -m tcp -p tcp -j DNAT --to-destination ${ip}:80`,
  ];
  assert.deepEqual(chainRules(text, "nat"), {
    "KUBE-SERVICES": [
      `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O`,
      `-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK`,
      `-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK`,
      `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
    ],
    "KUBE-NODEPORTS": [
      `-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 30003 -j KUBE-EXT-X27LE4BHSL4DOUIK`,
    ],
    "KUBE-POSTROUTING": [
      `-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN`,
      `-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000`,
      `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
    ],
    "KUBE-MARK-MASQ": [`-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000`],
    "KUBE-SVC-XPGD46QRK7WJZT7O": [
      `-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`,
      `-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ`,
    ],
    "KUBE-SEP-SXIVWICOYRO3J4NJ": sep("KUBE-SEP-SXIVWICOYRO3J4NJ", "ns1/svc1:p80", "10.180.0.1"),
    "KUBE-EXT-X27LE4BHSL4DOUIK": [
      `-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ`,
      `-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK`,
    ],
    "KUBE-SVC-X27LE4BHSL4DOUIK": [
      `-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`,
      `-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP`,
    ],
    "KUBE-SEP-OYPFS5VJICHGATKP": sep("KUBE-SEP-OYPFS5VJICHGATKP", "ns3/svc3:p80", "10.180.0.3"),
    "KUBE-SVC-4SW47YFZTEDKD3PK": [
      `-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`,
      `-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC`,
      `-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ`,
    ],
    "KUBE-SEP-UKSFD7AGPMPPLUHC": sep("KUBE-SEP-UKSFD7AGPMPPLUHC", "ns4/svc4:p80", "10.180.0.4"),
    "KUBE-SEP-C6EBXVWJJZMIWKLZ": sep("KUBE-SEP-C6EBXVWJJZMIWKLZ", "ns4/svc4:p80", "10.180.0.5"),
  });
  // KUBE-NODEPORTS is the last rule of KUBE-SERVICES in the text itself, as the comment demands.
  const ks = text.split("\n").filter((l) => l.startsWith("-A KUBE-SERVICES "));
  assert.match(ks[ks.length - 1], /-j KUBE-NODEPORTS$/);
});

test("routing follows the loaded rules: hairpin masquerades, NodePort goes through KUBE-EXT, no endpoints rejects", () => {
  const { proxier, kp } = kubeProxyTestCluster(false);
  const r = (src: string, dst: string, port: number) =>
    proxier.route({ saddr: parseIPv4(src), sport: 1234, daddr: parseIPv4(dst), dport: port, proto: 6 }, kp.now);
  /** A DNAT route to one endpoint, masqueraded or not. */
  const dnat = (service: string, endpoint: string, masq: boolean) => ({ verdict: "dnat", service, endpoint, masq });
  assert.deepEqual(r("10.180.0.2", "172.30.0.41", 80), dnat("ns1/svc1:p80", "10.180.0.1:80", false));
  assert.deepEqual(r("10.180.0.1", "172.30.0.41", 80), dnat("ns1/svc1:p80", "10.180.0.1:80", true));
  assert.deepEqual(r("203.0.113.2", "172.30.0.41", 80), dnat("ns1/svc1:p80", "10.180.0.1:80", true));
  assert.deepEqual(r("203.0.113.2", "192.168.0.2", 30003), dnat("ns3/svc3:p80", "10.180.0.3:80", true));
  assert.deepEqual(r("10.0.0.2", "172.30.0.46", 80), { verdict: "reject", service: "ns6/svc6:p80" });
  assert.deepEqual(r("10.0.0.2", "172.30.0.41", 443), { verdict: "pass" });
});

test("statistic --probability 1/(n-i) spreads first packets evenly over the endpoints", () => {
  const { proxier, kp } = kubeProxyTestCluster(false);
  assert.equal(proxier.renderer.probability(2), "0.5000000000");
  assert.equal(proxier.renderer.probability(3), "0.3333333333");
  assert.equal(proxier.renderer.probability(7), "0.1428571429");
  const counts = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const r = proxier.route(
      { saddr: parseIPv4("10.0.0.2"), sport: i, daddr: parseIPv4("172.30.0.44"), dport: 80, proto: 6 },
      kp.now,
    );
    assert.equal(r.verdict, "dnat");
    if (r.verdict === "dnat") counts.set(r.endpoint, (counts.get(r.endpoint) ?? 0) + 1);
  }
  assert.equal(counts.size, 2);
  for (const c of counts.values()) assert.ok(Math.abs(c - 2000) < 200, `uneven split ${[...counts]}`);
});

test("a partial sync writes KUBE-SERVICES whole but only the changed Service's chains", () => {
  const { store, proxier, kp } = kubeProxyTestCluster(true);
  kp.now += 5000;
  store.createPod({
    namespace: "ns1",
    name: "svc1-b",
    labels: { app: "svc1" },
    ip: parseIPv4("10.180.0.9"),
    ready: true,
  });
  const s = kp.flush()!;
  assert.equal(s.full, false);
  const text = proxier.lastText!;
  assert.equal(text.split("\n").filter((l) => l.startsWith("-A KUBE-SERVICES ")).length, 5); // 3 nat, svc6's REJECT, the NodePort jump
  const chains = text.split("\n").filter((l) => /^:KUBE-(SVC|SEP|EXT)-/.test(l));
  assert.equal(chains.length, 3, chains.join("\n")); // KUBE-SVC of svc1 and its two KUBE-SEP
  assert.ok(chains.includes(":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]"));
  assert.ok(text.includes("--probability 0.5000000000 -j KUBE-SEP-SXIVWICOYRO3J4NJ"));
  // The unchanged chains still route.
  const r = proxier.route(
    { saddr: parseIPv4("10.0.0.2"), sport: 1, daddr: parseIPv4("192.168.0.2"), dport: 30003, proto: 6 },
    kp.now,
  );
  assert.equal(r.verdict === "dnat" && r.endpoint, "10.180.0.3:80");
});

test("above 1000 endpoints the per-endpoint rules lose their comments; stale chains wait for the sync period", () => {
  const store = new ClusterStore();
  new EndpointSliceController(store);
  for (let i = 0; i < 1003; i++)
    store.createPod({
      namespace: "ns",
      name: `p${i}`,
      labels: { app: "big" },
      ip: (0x0a000002 + i) >>> 0,
      ready: true,
    });
  store.createService({
    namespace: "ns",
    name: "big",
    type: "ClusterIP",
    clusterIP: parseIPv4("172.30.0.50"),
    selector: { app: "big" },
    ports: [{ name: "p", protocol: "TCP", port: 80, targetPort: 80 }],
  });
  const proxier = new IptablesProxier({ partial: true, node, keepText: true });
  open.push(proxier);
  const kp = new KubeProxy(store, proxier);
  kp.flush();
  const text = proxier.lastText!;
  assert.equal(text.split("\n").filter((l) => l.startsWith("-A KUBE-SEP-") && l.includes("--comment")).length, 0);
  assert.ok(text.includes(`-A KUBE-SERVICES -m comment --comment "ns/big:p cluster IP"`));
  assert.equal(store.slicesOf("ns/big").length, 11); // 100 endpoints a slice, at most
  kp.now += 1000;
  store.deletePod("ns", "p0");
  kp.flush();
  const sep = proxier.lastText!.includes("-X KUBE-SEP-");
  assert.equal(sep, false, "large clusters clean up stale chains at most once per sync period");
  kp.now += 31000;
  store.deletePod("ns", "p1");
  kp.flush();
  assert.equal(proxier.lastText!.split("\n").filter((l) => l.startsWith("-X KUBE-SEP-")).length, 2);
});

test("a restore that jumps to a missing chain, or deletes a chain still jumped to, changes nothing", () => {
  const t = new IptablesTables();
  open.push(t);
  t.restore(
    "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n-A KUBE-SERVICES -m tcp -p tcp -d 10.96.0.1 --dport 80 -j KUBE-SVC-A\n-A KUBE-SVC-A -j DNAT --to-destination 10.0.0.1:80\nCOMMIT\n",
  );
  const before = t.ruleCount("nat");
  assert.throws(
    () =>
      t.restore(
        "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m tcp -p tcp -d 10.96.0.2 --dport 80 -j KUBE-SVC-B\nCOMMIT\n",
      ),
    (e: unknown) => e instanceof SvcbenchError && /line 3: Couldn't load target `KUBE-SVC-B'/.test(e.message),
  );
  assert.throws(
    () => t.restore("*nat\n:KUBE-SVC-A - [0:0]\n-X KUBE-SVC-A\nCOMMIT\n"),
    /cannot delete chain KUBE-SVC-A: it is still referenced/,
  );
  assert.throws(
    () => t.restore("*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n"),
    /invalid port "99999"/,
  );
  assert.throws(() => t.restore("*nat\n-A KUBE-SERVICES -j ACCEPT\n"), /table nat has no COMMIT/);
  assert.equal(t.ruleCount("nat"), before);
  assert.equal(t.kubeServicesPrefix, 1);
  t.restore("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n-X KUBE-SVC-A\nCOMMIT\n");
  assert.deepEqual(t.listChains("nat").sort(), ["INPUT", "KUBE-SERVICES", "OUTPUT", "POSTROUTING", "PREROUTING"]);
  assert.equal(t.kubeServicesPrefix, 0);
});

test("an unnamed port is named namespace/name, without the colon, in chain hashes and comments", () => {
  // kubernetes pkg/proxy/iptables/proxier_test.go TestInternalTrafficPolicyE2E (clusterExpectedIPTables):
  // ServicePortName.String() of port "" is "ns1/svc1".
  const store = new ClusterStore();
  new EndpointSliceController(store);
  for (const [i, ip] of ["10.0.1.1", "10.0.1.2", "10.0.1.3"].entries())
    store.createPod({ namespace: "ns1", name: `p${i}`, labels: { foo: "bar" }, ip: parseIPv4(ip), ready: true });
  store.createService({
    namespace: "ns1",
    name: "svc1",
    type: "ClusterIP",
    clusterIP: parseIPv4("172.30.1.1"),
    selector: { foo: "bar" },
    ports: [{ name: "", protocol: "TCP", port: 80, targetPort: 80 }],
  });
  const proxier = new IptablesProxier({ partial: false, node, keepText: true });
  open.push(proxier);
  new KubeProxy(store, proxier).flush();
  const nat = chainRules(proxier.lastText!, "nat");
  assert.deepEqual(
    nat["KUBE-SERVICES"][0],
    `-A KUBE-SERVICES -m comment --comment "ns1/svc1 cluster IP" -m tcp -p tcp -d 172.30.1.1 --dport 80 -j KUBE-SVC-AQI2S6QIMU7PVVRP`,
  );
  assert.deepEqual(nat["KUBE-SVC-AQI2S6QIMU7PVVRP"], [
    `-A KUBE-SVC-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 cluster IP" -m tcp -p tcp -d 172.30.1.1 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`,
    `-A KUBE-SVC-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 -> 10.0.1.1:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-3JOIVZTXZZRGORX4`,
    `-A KUBE-SVC-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 -> 10.0.1.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-IO5XOSKPAXIFQXAJ`,
    `-A KUBE-SVC-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 -> 10.0.1.3:80" -j KUBE-SEP-XGJFVO3L2O5SRFNT`,
  ]);
  assert.deepEqual(nat["KUBE-SEP-3JOIVZTXZZRGORX4"], [
    `-A KUBE-SEP-3JOIVZTXZZRGORX4 -m comment --comment ns1/svc1 -s 10.0.1.1 -j KUBE-MARK-MASQ`,
    `-A KUBE-SEP-3JOIVZTXZZRGORX4 -m comment --comment ns1/svc1 -m tcp -p tcp -j DNAT --to-destination 10.0.1.1:80`,
  ]);
  assert.ok("KUBE-SEP-IO5XOSKPAXIFQXAJ" in nat && "KUBE-SEP-XGJFVO3L2O5SRFNT" in nat);
  const r = proxier.route(
    { saddr: parseIPv4("10.0.0.2"), sport: 1, daddr: parseIPv4("172.30.1.1"), dport: 80, proto: 6 },
    0,
  );
  assert.equal(r.verdict === "dnat" && r.service, "ns1/svc1");
});
