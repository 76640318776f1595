// Change tracking and the sync runner: changes between syncs collapse (a no-op nets to nothing),
// a sync starts no sooner than min-sync-period after the last one, so a burst of events is one sync.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eventOf } from "../src/cluster/events";
import { ServiceChangeTracker } from "../src/proxy/service-tracker";
import { BoundedFrequencyRunner } from "../src/proxy/sync-runner";
import { Fixture, POD_IP, service } from "./proxy-fixture";

test("the pinned runner (pkg/proxy/runner): min interval counts from the last run, no burst", () => {
  const r = new BoundedFrequencyRunner(1000);
  assert.equal(r.take(0), false, "nothing wanted");
  r.run();
  assert.equal(r.take(0), true);
  r.run();
  assert.equal(r.dueAt(0), 1000, "no second run at once");
  assert.equal(r.take(500), false);
  assert.equal(r.take(1000), true);
  r.run();
  assert.equal(r.dueAt(1000), 2000);
  assert.equal(r.take(5000), true);
  r.run();
  assert.equal(r.take(5000), false, "an idle spell banks nothing");
  assert.equal(r.dueAt(5000), 6000);
  assert.throws(() => new BoundedFrequencyRunner(-1), /min interval must be >= 0 ms/);
});

test("the older token-bucket runner (pkg/util/async) grants two syncs at once, then one per min interval", () => {
  const r = new BoundedFrequencyRunner(1000, "token-bucket", 2);
  const granted = (at: number) => {
    let n = 0;
    for (r.run(); r.take(at); r.run()) n++;
    return n;
  };
  assert.equal(granted(0), 2, "a burst of 2");
  assert.equal(r.dueAt(0), 1000);
  assert.equal(granted(1000), 1, "one token per min interval");
  assert.equal(granted(5000), 2, "the bucket refilled to its burst of 2");
  assert.throws(() => new BoundedFrequencyRunner(1000, "token-bucket", 0), /burst >= 1/);
});

test("a Service's changes between syncs collapse; one that undoes itself is no change", () => {
  const t = new ServiceChangeTracker();
  const a = service(0),
    b = service(0, { ports: [{ name: "http", protocol: "TCP", port: 81, targetPort: 8080 }] });
  t.update(eventOf(undefined, a));
  t.update(eventOf(a, b));
  assert.equal(t.size, 1);
  t.update(eventOf(b, undefined));
  assert.equal(t.size, 0, "created and deleted before a sync: nothing to do");
  const m = new Map(),
    byService = new Map();
  t.update(eventOf(undefined, a));
  assert.deepEqual([...t.apply(m, byService)], ["ns/svc0"]);
  t.update(eventOf(a, b));
  t.update(eventOf(b, a));
  assert.equal(t.size, 0, "changed and changed back");
});

const f = new Fixture(["iptables-partial", "nftables", "ipvs"]);
after(() => f.dispose());

test("a burst of events within the min sync period is one sync; every mode counts the same changed Services", () => {
  for (let i = 0; i < 10; i++) f.store.createService(service(i));
  f.sync();
  for (const n of f.nodes) assert.equal(n.kp.runner.runs, 1);
  for (let i = 0; i < 10; i++)
    f.store.createPod({ namespace: "ns", name: `p${i}`, labels: { app: `a${i}` }, ip: POD_IP(i), ready: true });
  for (const n of f.nodes) {
    const stats = n.kp.advance(f.now + 2000);
    assert.equal(stats.length, 1, `${n.mode}: one sync for ten pods`);
    assert.equal(stats[0].services, 10);
    assert.equal(stats[0].full, false);
  }
  f.now += 2000;
  f.store.deletePod("ns", "p0");
  f.store.createPod({ namespace: "ns", name: "p0", labels: { app: "a0" }, ip: POD_IP(0), ready: true });
  for (const n of f.nodes) {
    const stats = n.kp.advance(f.now + 2000);
    assert.equal(stats.length, 1, "the slice changed twice: kube-proxy still syncs");
    assert.equal(stats[0].services, 0, `${n.mode}: a pod gone and back is no change to any Service`);
    if (n.mode !== "iptables-partial") assert.equal(stats[0].rulesWritten, 0, `${n.mode} writes nothing`);
  }
});
