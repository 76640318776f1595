// The userspace proxier: round robin from a shuffled list, endpoint changes without a sync, refused
// dials retried on the next endpoint with timeouts 250 ms, 500 ms, 1 s, 2 s, ClientIP affinity
// that a failed dial resets, and the node's limit of one local port per service port.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { ClusterStore } from "../src/cluster/store";
import { SvcbenchError } from "../src/core";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { ClusterNetwork, DIAL_RTT_MS, Network } from "../src/proxy/userspace/network";
import { DIAL_TIMEOUTS_MS, PROXY_PORTS, UserspaceProxier } from "../src/proxy/userspace/proxier";
import { LoadBalancerRR } from "../src/proxy/userspace/roundrobin";
import { Rng } from "../src/util/rng";
import { Fixture, POD_IP, service, SERVICE_IP } from "./proxy-fixture";

const f = new Fixture(["userspace"]);
after(() => f.dispose());
const us = () => f.node("userspace").proxier as UserspaceProxier;
const connect = (i: number, saddr = 0x0a800001, sport = 40000) =>
  us().route({ saddr, sport, daddr: SERVICE_IP(i), dport: 80, proto: 6 }, f.now);

test("round robin visits every endpoint once per round, from a shuffled order", () => {
  const lb = new LoadBalancerRR(new Rng(3));
  lb.newService("s", false, 0);
  const eps = ["a:1", "b:1", "c:1", "d:1", "e:1"];
  lb.updateEndpoints("s", eps);
  const round = eps.map(() => lb.nextEndpoint("s", 1, false, 0));
  assert.deepEqual([...round].sort(), eps);
  assert.deepEqual(
    eps.map(() => lb.nextEndpoint("s", 1, false, 0)),
    round,
    "the same order every round",
  );
  lb.updateEndpoints("s", [...eps].reverse());
  assert.equal(lb.nextEndpoint("s", 1, false, 0), round[0], "the same set in another order changes nothing");
  const orders = new Set<string>();
  for (let k = 0; k < 20; k++) {
    lb.updateEndpoints("s", k % 2 ? eps : eps.slice(1));
    orders.add(lb.nextEndpoint("s", 1, false, 0));
  }
  assert.ok(orders.size > 1, "a changed set is reshuffled and starts over");
  assert.throws(() => lb.nextEndpoint("none", 1, false, 0), /missing endpoints for none/);
});

test("endpoint changes reach the balancer at once; Service changes wait for the sync", () => {
  f.store.createService(service(0));
  f.store.createPod({ namespace: "ns", name: "p0", labels: { app: "a0" }, ip: POD_IP(0), ready: true });
  assert.equal(connect(0).verdict, "pass", "no portal before the sync");
  f.sync();
  assert.equal(connect(0).verdict, "dnat");
  f.store.createPod({ namespace: "ns", name: "p1", labels: { app: "a0" }, ip: POD_IP(1), ready: true });
  assert.equal(us().pending(), false);
  const seen = new Set(
    [0, 1, 2, 3].map(() => {
      const r = connect(0);
      return r.verdict === "dnat" ? r.endpoint : r.verdict;
    }),
  );
  assert.deepEqual([...seen].sort(), ["10.129.0.2:8080", "10.129.0.3:8080"]);
});

test("a refused dial tries the next endpoint; timeouts grow 250 ms, 500 ms, 1 s, 2 s; four failures close the connection", () => {
  // Through the fixture's network: p0 refuses, p1 answers.
  const fixtureNet = us().network as ClusterNetwork;
  fixtureNet.refusing.add("10.129.0.2:8080");
  for (let k = 0; k < 4; k++) {
    const r = connect(0, 0x0a800001, 50000 + k);
    assert.equal(r.verdict, "dnat");
    if (r.verdict === "dnat") {
      assert.equal(r.endpoint, "10.129.0.3:8080");
      assert.ok(r.attempts === 1 || r.attempts === 2);
      assert.equal(r.connectMs, r.attempts! * DIAL_RTT_MS);
    }
  }
  fixtureNet.refusing.add("10.129.0.3:8080");
  const r = connect(0);
  assert.deepEqual(
    { verdict: r.verdict, attempts: r.verdict === "reject" ? r.attempts : undefined },
    { verdict: "reject", attempts: 4 },
  );
  fixtureNet.refusing.clear();
  // Blackholed endpoints (a pod gone, its IP unanswered) cost each attempt's whole timeout.
  const silent: Network = { dial: (_ep, timeout) => ({ ok: false, ms: timeout }) };
  const p = new UserspaceProxier(silent);
  const kp = new KubeProxy(f.store, p);
  kp.flush();
  const q = p.route({ saddr: 1, sport: 2, daddr: SERVICE_IP(0), dport: 80, proto: 6 }, 0);
  assert.equal(q.verdict, "reject");
  assert.equal(
    q.connectMs,
    DIAL_TIMEOUTS_MS.reduce((a, b) => a + b, 0),
  );
  assert.equal(q.connectMs, 3750);
  kp.stop();
  p.dispose();
});

test("ClientIP affinity sticks until a dial fails, then moves on", () => {
  f.store.createService(service(1, { sessionAffinity: "ClientIP", stickySeconds: 60 }));
  for (let i = 0; i < 3; i++)
    f.store.createPod({ namespace: "ns", name: `q${i}`, labels: { app: "a1" }, ip: POD_IP(10 + i), ready: true });
  f.sync();
  const ep = (r: ReturnType<typeof connect>) => (r.verdict === "dnat" ? r.endpoint : r.verdict);
  const first = ep(connect(1, 0x0a800050));
  for (let k = 0; k < 5; k++) assert.equal(ep(connect(1, 0x0a800050, 1000 + k)), first);
  const net = us().network as ClusterNetwork;
  net.refusing.add(first);
  const moved = connect(1, 0x0a800050);
  assert.equal(moved.verdict, "dnat");
  assert.notEqual(ep(moved), first);
  assert.equal(moved.attempts, 2);
  net.refusing.clear();
  assert.equal(ep(connect(1, 0x0a800050)), ep(moved), "the new endpoint is the sticky one now");
  f.now += 61_000;
  const seen = new Set<string>();
  for (let k = 0; k < 6; k++) {
    seen.add(ep(connect(1, 0x0a800050)));
    f.now += 61_000;
  }
  assert.ok(seen.size > 1, "records expire after the timeout");
});

test("a node has one local port per proxied service port", () => {
  const p = new UserspaceProxier({ dial: () => ({ ok: true, ms: 0 }) });
  const store = new ClusterStore();
  const kp = new KubeProxy(store, p);
  const capacity = PROXY_PORTS.max - PROXY_PORTS.min + 1;
  for (let i = 0; i <= capacity; i++) store.createService(service(i, { clusterIP: (0x0a600000 + 100 + i) >>> 0 }));
  assert.throws(
    () => kp.flush(),
    (e: unknown) =>
      e instanceof SvcbenchError &&
      /28233 service ports need 28233 proxy sockets, but a node has 28232 local ports/.test(e.message),
  );
  kp.stop();
  p.dispose();
});
