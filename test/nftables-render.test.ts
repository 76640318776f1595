// The nftables proxier's transactions beyond the first (whose whole text nftables-overall-render.test.ts
// checks against kube-proxy's TestOverallNFTablesRules): incremental syncs, stale chains deleted a second
// later, all-or-nothing transactions, numgen spread and affinity.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { EndpointSliceController } from "../src/cluster/endpoints-controller";
import { parseCidr, parseIPv4 } from "../src/cluster/ip";
import { ClusterStore } from "../src/cluster/store";
import { SvcbenchError } from "../src/core";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { NftablesProxier } from "../src/proxy/nftables/proxier";
import { NftRuleset } from "../src/proxy/nftables/ruleset";
import { nftServiceChainBase } from "../src/proxy/chain-names";
import { NftWalker } from "../src/proxy/nftables/walk";
import { Rng } from "../src/util/rng";
import { createKubeProxyTestServices, kubeProxyTestObjects } from "./proxy-fixture";

const node = { nodeIP: parseIPv4("192.168.0.2"), clusterCIDR: parseCidr("10.0.0.0/8"), seed: 7 };
const open: { dispose(): void }[] = [];
after(() => open.forEach((o) => o.dispose()));

/** kube-proxy's test Services; svc5 shares its pod IP with svc3 there, so it gets a cluster of its own here. */
function cluster(only5 = false) {
  const store = new ClusterStore();
  new EndpointSliceController(store);
  if (only5) {
    const { pod, svc } = kubeProxyTestObjects(store);
    pod("ns5", "svc5-a", "10.180.0.3");
    svc("ns5", "svc5", "172.30.0.45", {
      type: "LoadBalancer",
      loadBalancerIP: parseIPv4("5.6.7.8"),
      sessionAffinity: "ClientIP",
      stickySeconds: 10800,
      ports: [{ name: "p80", protocol: "TCP", port: 80, targetPort: 80, nodePort: 30002 }],
    });
    return store;
  }
  createKubeProxyTestServices(store);
  return store;
}

function firstTransaction(store: ClusterStore): string[] {
  const p = new NftablesProxier({ node, keepText: true });
  open.push(p);
  new KubeProxy(store, p).flush();
  return p.lastText!.split("\n").filter((l) => l !== "" && !l.startsWith("flush "));
}

test("later syncs write only the changed Service: elements swap map, stale chains go a second later", () => {
  const store = cluster();
  const p = new NftablesProxier({ node, keepText: true });
  open.push(p);
  // min-sync-period 0.5 s: the runner lets a sync run at 10.5 s, after the one at 10 s ended.
  const kp = new KubeProxy(store, p, { minSyncPeriodMs: 500 });
  kp.flush();
  const t = "ip kube-proxy";
  kp.now = 10_000;
  store.deletePod("ns1", "svc1-a");
  const s = kp.flush()!;
  assert.equal(s.full, false);
  assert.equal(s.services, 1);
  assert.deepEqual(
    p.lastText!.split("\n").filter((l) => l !== ""),
    [
      `delete element ${t} service-ips { 172.30.0.41 . tcp . 80 }`,
      `add element ${t} no-endpoint-services { 172.30.0.41 . tcp . 80 comment "ns1/svc1:p80" : goto reject-chain }`,
      `flush chain ${t} endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80`,
      `flush chain ${t} service-ULMVA6XW-ns1/svc1/tcp/p80`,
    ],
  );
  assert.equal(p.staleChainCount, 2);
  kp.now = 10_500;
  store.createPod({
    namespace: "ns4",
    name: "svc4-c",
    labels: { app: "svc4" },
    ip: parseIPv4("10.180.0.6"),
    ready: true,
  });
  kp.flush();
  assert.equal(kp.now, 10_500);
  assert.equal(p.staleChainCount, 2, "not yet a second old");
  kp.now = 12_000;
  store.deletePod("ns4", "svc4-c");
  kp.flush();
  assert.equal(p.staleChainCount, 1, "the endpoint chain of svc4-c is the new stale one");
  assert.deepEqual(p.lastText!.split("\n").slice(0, 2), [
    `delete chain ${t} endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80`,
    `delete chain ${t} service-ULMVA6XW-ns1/svc1/tcp/p80`,
  ]);
  assert.equal(p.ruleset.chains.has("service-ULMVA6XW-ns1/svc1/tcp/p80"), false);
  const r = p.route(
    { saddr: parseIPv4("10.0.0.2"), sport: 1, daddr: parseIPv4("172.30.0.41"), dport: 80, proto: 6 },
    kp.now,
  );
  assert.equal(r.verdict, "reject");
});

test("a transaction with one bad command applies nothing", () => {
  const rs = new NftRuleset();
  open.push(rs);
  const t = "ip kube-proxy";
  rs.apply(
    `add table ${t}\nadd map ${t} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }\nadd chain ${t} service-a\n`,
  );
  const bad = [
    `add chain ${t} service-b`,
    `add element ${t} service-ips { 10.96.0.1 . tcp . 80 : goto service-b }`,
    `add rule ${t} service-b numgen random mod 2 vmap { 0 : goto service-a }`,
  ].join("\n");
  assert.throws(
    () => rs.apply(bad),
    (e: unknown) => e instanceof SvcbenchError && /line 3: numgen mod 2 with 1 vmap entries/.test(e.message),
  );
  assert.equal(rs.chains.has("service-b"), false);
  assert.equal(rs.maps.get("service-ips")!.table.size, 0);
  assert.throws(
    () => rs.apply(`add element ${t} service-ips { 10.96.0.1 . tcp . 80 : goto service-zzz }`),
    /No such file or directory \(chain service-zzz\)/,
  );
  rs.apply(`add element ${t} service-ips { 10.96.0.1 . tcp . 80 : goto service-a }`);
  assert.throws(() => rs.apply(`delete chain ${t} service-a`), /Device or resource busy/);
  assert.throws(
    () =>
      rs.apply(
        `add element ${t} service-ips { 10.96.0.1 . tcp . 80 : goto service-a }\nadd element ${t} service-ips { 10.96.0.1 . tcp . 80 : drop }`,
      ),
    /File exists/,
  );
  rs.apply(`delete element ${t} service-ips { 10.96.0.1 . tcp . 80 }\ndelete chain ${t} service-a`);
  assert.equal(rs.chains.has("service-a"), false);
});

test("numgen random mod N spreads first packets evenly; ClientIP affinity keeps a client on its pod", () => {
  const store = cluster();
  const p = new NftablesProxier({ node });
  open.push(p);
  const kp = new KubeProxy(store, p);
  kp.flush();
  const counts = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const r = p.route(
      { saddr: parseIPv4("10.0.0.2"), sport: i, daddr: parseIPv4("172.30.0.44"), dport: 80, proto: 6 },
      kp.now,
    );
    if (r.verdict === "dnat") counts.set(r.endpoint, (counts.get(r.endpoint) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ["10.180.0.4:80", "10.180.0.5:80"]);
  for (const c of counts.values()) assert.ok(Math.abs(c - 2000) < 200, `uneven split ${[...counts]}`);
  const s5 = cluster(true);
  const q = new NftablesProxier({ node });
  open.push(q);
  const k5 = new KubeProxy(s5, q);
  k5.flush();
  s5.createPod({ namespace: "ns5", name: "svc5-b", labels: { app: "svc5" }, ip: parseIPv4("10.180.0.7"), ready: true });
  k5.advance(5000);
  const pick = (now: number) => {
    const r = q.route(
      { saddr: parseIPv4("203.0.113.9"), sport: now, daddr: parseIPv4("5.6.7.8"), dport: 80, proto: 6 },
      now,
    );
    return r.verdict === "dnat" ? r.endpoint : r.verdict;
  };
  const first = pick(5000);
  for (let t = 5001; t < 5100; t++) assert.equal(pick(t), first, "affinity holds within the timeout");
});

test('an unnamed port\'s chains end in "/tcp/" and its comments say namespace/name (ServicePortName.String())', () => {
  const store = new ClusterStore();
  new EndpointSliceController(store);
  store.createPod({ namespace: "ns1", name: "p0", labels: { foo: "bar" }, ip: parseIPv4("10.0.1.1"), ready: true });
  const ports = [{ name: "", protocol: "TCP" as const, port: 80, targetPort: 80 }];
  store.createService({
    namespace: "ns1",
    name: "svc1",
    type: "ClusterIP",
    clusterIP: parseIPv4("172.30.1.1"),
    selector: { foo: "bar" },
    ports,
  });
  store.createService({
    namespace: "ns1",
    name: "svc2",
    type: "ClusterIP",
    clusterIP: parseIPv4("172.30.1.2"),
    selector: { foo: "none" },
    ports,
  });
  const lines = firstTransaction(store);
  const t = "ip kube-proxy";
  assert.ok(
    lines.includes(
      `add element ${t} service-ips { 172.30.1.1 . tcp . 80 : goto service-${nftServiceChainBase("ns1", "svc1", "tcp", "")} }`,
    ),
  );
  assert.match(nftServiceChainBase("ns1", "svc1", "tcp", ""), /^[A-Z2-7]{8}-ns1\/svc1\/tcp\/$/);
  assert.ok(
    lines.includes(
      `add element ${t} no-endpoint-services { 172.30.1.2 . tcp . 80 comment "ns1/svc2" : goto reject-chain }`,
    ),
    lines.filter((l) => l.includes("no-endpoint-services {")).join("\n"),
  );
  const p = new NftablesProxier({ node });
  open.push(p);
  new KubeProxy(store, p).flush();
  const r = p.route({ saddr: parseIPv4("10.0.0.2"), sport: 1, daddr: parseIPv4("172.30.1.1"), dport: 80, proto: 6 }, 0);
  assert.equal(r.verdict === "dnat" && r.service, "ns1/svc1");
});

test("the walker's base chains follow base chains added and deleted, also by a transaction that failed", () => {
  const rs = new NftRuleset();
  const w = new NftWalker(rs, new Rng(1), () => false);
  open.push(rs, w);
  const t = "ip kube-proxy";
  const pkt = { saddr: parseIPv4("10.0.0.2"), sport: 1, daddr: parseIPv4("172.30.0.1"), dport: 80, proto: 6 };
  rs.apply(`add table ${t}\nadd chain ${t} svc\nadd rule ${t} svc meta l4proto tcp dnat to 10.180.0.1:80`);
  assert.equal(w.route(pkt, 0).kind, "pass", "no base chain yet");
  const v = rs.baseChainsVersion;
  assert.throws(() =>
    rs.apply(
      `add chain ${t} nat-prerouting { type nat hook prerouting priority -100 ; }\nadd rule ${t} nat-prerouting jump nowhere`,
    ),
  );
  assert.equal(w.route(pkt, 0).kind, "pass", "the failed transaction's base chain is gone again");
  assert.notEqual(rs.baseChainsVersion, v);
  rs.apply(
    `add chain ${t} nat-prerouting { type nat hook prerouting priority -100 ; }\nadd rule ${t} nat-prerouting ip daddr 172.30.0.1 jump svc`,
  );
  assert.equal(w.route(pkt, 0).kind, "dnat");
  const v2 = rs.baseChainsVersion;
  rs.apply(`add chain ${t} other\nflush chain ${t} svc\nadd rule ${t} svc meta l4proto tcp dnat to 10.180.0.2:80`);
  assert.equal(rs.baseChainsVersion, v2, "regular chains and rules leave the base chains as they are");
  assert.deepEqual(w.route(pkt, 0).to, { ip: parseIPv4("10.180.0.2"), port: 80 });
  rs.apply(`flush chain ${t} nat-prerouting\ndelete chain ${t} nat-prerouting`);
  assert.equal(w.route(pkt, 0).kind, "pass");
});
