// The ipvs proxier: virtual servers for ClusterIP, LoadBalancer IP and NodePort, incremental
// real-server changes, graceful termination at weight 0, persistence for ClientIP affinity.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { NODE_IP } from "../src/cluster/ip";
import { IpvsProxier } from "../src/proxy/ipvs/proxier";
import { Fixture, LB_IP, POD_IP, service, SERVICE_IP } from "./proxy-fixture";

const f = new Fixture(["ipvs"]);
after(() => f.dispose());
const ipvs = () => f.node("ipvs").proxier as IpvsProxier;
const pod = (i: number, app = "a0", ready = true) =>
  f.store.createPod({ namespace: "ns", name: `p${i}`, labels: { app }, ip: POD_IP(i), ready });
const to = (daddr: number, dport: number, saddr = 0x0a800001, sport = 40000) => {
  const r = ipvs().route({ saddr, sport, daddr, dport, proto: 6 }, f.now);
  return r.verdict === "dnat" ? r.endpoint : r.verdict;
};

test("one virtual server per address: ClusterIP, LoadBalancer IP and node IP:NodePort; writes are per change", () => {
  f.store.createService(service(0, { type: "LoadBalancer", loadBalancerIP: LB_IP(0) }));
  pod(0);
  pod(1);
  f.sync();
  const np = f.store.services.get("ns/svc0")!.ports[0].nodePort!;
  assert.equal(ipvs().kernel.size, 3);
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) seen.add(to(SERVICE_IP(0), 80, 0x0a800001, 40000 + i));
  assert.deepEqual([...seen].sort(), ["10.129.0.2:8080", "10.129.0.3:8080"], "rr alternates");
  assert.match(to(LB_IP(0), 80), /^10\.129\.0\.[23]:8080$/);
  assert.match(to(NODE_IP, np), /^10\.129\.0\.[23]:8080$/);
  pod(2);
  const s = f.node("ipvs").kp.advance(f.now + 2000)[0];
  f.now += 2000;
  assert.equal(s.rulesWritten, 3, "one real server added to each of the three virtual servers");
  assert.equal(s.full, false);
});

test("a real server that goes away while in use is set to weight 0 and deleted once its connections end", () => {
  f.store.createService(service(5));
  f.store.createPod({ namespace: "ns", name: "q0", labels: { app: "a5" }, ip: POD_IP(10), ready: true });
  f.store.createPod({ namespace: "ns", name: "q1", labels: { app: "a5" }, ip: POD_IP(11), ready: true });
  f.sync();
  for (let i = 0; i < 4; i++) to(SERVICE_IP(5), 80, 0x0a800001, 41000 + i); // two connections each
  f.store.deletePod("ns", "q0");
  f.sync();
  assert.equal(ipvs().terminatingCount, 1);
  for (let i = 0; i < 10; i++)
    assert.equal(to(SERVICE_IP(5), 80, 0x0a800001, 42000 + i), "10.129.0.13:8080", "weight 0 takes no new connection");
  f.now += 60_000;
  assert.equal(ipvs().tick(f.now), 0, "its connections still run");
  ipvs().closeConnections();
  assert.equal(ipvs().tick(f.now + 60_000), 1);
  assert.equal(ipvs().terminatingCount, 0);
  f.store.createPod({ namespace: "ns", name: "q0", labels: { app: "a5" }, ip: POD_IP(10), ready: true });
  f.sync();
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) seen.add(to(SERVICE_IP(5), 80, 0x0a800001, 43000 + i));
  assert.equal(seen.size, 2, "back in rotation");
});

test("UDP real servers are deleted at once; a pod coming back before its deletion is deleted and added again", () => {
  f.store.createService(service(6, { ports: [{ name: "dns", protocol: "UDP", port: 53, targetPort: 53 }] }));
  f.store.createPod({ namespace: "ns", name: "u0", labels: { app: "a6" }, ip: POD_IP(20), ready: true });
  f.store.createPod({ namespace: "ns", name: "u1", labels: { app: "a6" }, ip: POD_IP(21), ready: true });
  f.sync();
  for (let i = 0; i < 4; i++)
    ipvs().route({ saddr: 0x0a800001, sport: 44000 + i, daddr: SERVICE_IP(6), dport: 53, proto: 17 }, f.now);
  f.store.deletePod("ns", "u0");
  f.sync();
  assert.equal(ipvs().terminatingCount, 0);
  f.store.createService(service(7));
  f.store.createPod({ namespace: "ns", name: "t0", labels: { app: "a7" }, ip: POD_IP(30), ready: true });
  f.sync();
  to(SERVICE_IP(7), 80);
  f.store.updatePod({ ...f.store.pods.get("ns/t0")!, ready: false });
  f.sync();
  assert.equal(ipvs().terminatingCount, 1);
  assert.equal(to(SERVICE_IP(7), 80), "reject", "the only real server is at weight 0: no destination");
  f.store.updatePod({ ...f.store.pods.get("ns/t0")!, ready: true });
  const s = f.node("ipvs").kp.advance(f.now + 2000)[0];
  f.now += 2000;
  // pkg/proxy/ipvs/proxier.go syncEndpoint: MoveRSOutofGracefulDeleteList (DeleteRealServer), then AddRealServer.
  assert.equal(s.rulesWritten, 2, "deleted from the graceful list, then added at weight 1");
  assert.equal(ipvs().terminatingCount, 0);
  const vs = ipvs().kernel.route(
    { saddr: 0x0a800001, sport: 45000, daddr: SERVICE_IP(7), dport: 80, proto: 6 },
    f.now,
  )!.vs;
  const d = vs.svc.dest(vs.svc.findDest(POD_IP(30), 8080)!);
  assert.equal(d.weight, 1);
  assert.ok(
    d.activeconns + d.inactconns >= 1,
    "its connections stay counted (the kernel revives the dest from its trash)",
  );
  assert.equal(to(SERVICE_IP(7), 80), "10.129.0.32:8080");
});

test("ClientIP affinity is IPVS persistence: a client keeps its real server until the timeout", () => {
  f.store.createService(service(8, { sessionAffinity: "ClientIP", stickySeconds: 30 }));
  for (let i = 0; i < 3; i++)
    f.store.createPod({ namespace: "ns", name: `s${i}`, labels: { app: "a8" }, ip: POD_IP(40 + i), ready: true });
  f.sync();
  const first = to(SERVICE_IP(8), 80, 0x0a800099, 1);
  for (let i = 2; i < 20; i++) assert.equal(to(SERVICE_IP(8), 80, 0x0a800099, i), first);
  const other = new Set<string>();
  for (let c = 0; c < 6; c++) other.add(to(SERVICE_IP(8), 80, 0x0a800100 + c, 1));
  assert.ok(other.size > 1, "other clients spread");
  f.now += 31_000;
  const later = new Set<string>();
  for (let i = 0; i < 6; i++) {
    later.add(to(SERVICE_IP(8), 80, 0x0a800099, 100 + i));
    f.now += 31_000;
  }
  assert.ok(later.size > 1, "after the timeout the client is scheduled afresh");
});
