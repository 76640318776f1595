// The EndpointSlice controller: slices follow the selected pods (ready and not ready), hold at most
// 100 endpoints, are touched as little as possible, and go away with their Service.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EndpointSliceController } from "../src/cluster/endpoints-controller";
import { selectorMatches } from "../src/cluster/labels";
import { ClusterStore } from "../src/cluster/store";
import { POD_IP, service } from "./proxy-fixture";

function setup() {
  const store = new ClusterStore();
  const ctl = new EndpointSliceController(store);
  return { store, ctl };
}

const endpointsOf = (store: ClusterStore, svc: string) =>
  store
    .slicesOf(svc)
    .flatMap((s) => s.endpoints.map((e) => `${e.pod}:${e.ready}`))
    .sort();

test("a Service's slices list the pods its selector picks, ready or not, with its target ports", () => {
  const { store } = setup();
  store.createPod({ namespace: "ns", name: "a", labels: { app: "a0" }, ip: POD_IP(1), ready: true });
  store.createPod({ namespace: "ns", name: "b", labels: { app: "a0" }, ip: POD_IP(2), ready: false });
  store.createPod({ namespace: "ns", name: "c", labels: { app: "a0" }, ready: false }); // no IP yet
  store.createPod({ namespace: "other", name: "d", labels: { app: "a0" }, ip: POD_IP(3), ready: true });
  store.createService(service(0));
  assert.deepEqual(endpointsOf(store, "ns/svc0"), ["a:true", "b:false"]);
  assert.deepEqual(store.slicesOf("ns/svc0")[0].ports, [{ name: "http", protocol: "TCP", port: 8080 }]);
  store.updatePod({ ...store.pods.get("ns/b")!, ready: true });
  store.updatePod({ ...store.pods.get("ns/c")!, ip: POD_IP(4), ready: true });
  assert.deepEqual(endpointsOf(store, "ns/svc0"), ["a:true", "b:true", "c:true"]);
  store.updatePod({ ...store.pods.get("ns/a")!, labels: { app: "other" } });
  store.deletePod("ns", "b");
  assert.deepEqual(endpointsOf(store, "ns/svc0"), ["c:true"]);
  store.updateService({ ...store.services.get("ns/svc0")!, selector: { app: "other" } });
  assert.deepEqual(endpointsOf(store, "ns/svc0"), ["a:true"]);
  store.deleteService("ns", "svc0");
  assert.equal(store.slicesOf("ns/svc0").length, 0);
});

test("a Service whose selector is removed keeps its slices as they were (kubernetes#118376); a selector back reconciles them", () => {
  const { store, ctl } = setup();
  store.createPod({ namespace: "ns", name: "a", labels: { app: "a0" }, ip: POD_IP(1), ready: true });
  store.createService(service(0));
  const writes = ctl.writes;
  store.updateService({ ...store.services.get("ns/svc0")!, selector: undefined });
  store.updatePod({ ...store.pods.get("ns/a")!, ready: false });
  store.createPod({ namespace: "ns", name: "b", labels: { app: "a0" }, ip: POD_IP(2), ready: true });
  assert.deepEqual(endpointsOf(store, "ns/svc0"), ["a:true"], "left alone: stale, as upstream leaves it");
  assert.equal(ctl.writes, writes);
  store.updateService({ ...store.services.get("ns/svc0")!, selector: { app: "a0" } });
  assert.deepEqual(endpointsOf(store, "ns/svc0"), ["a:false", "b:true"]);
  store.updateService({ ...store.services.get("ns/svc0")!, selector: undefined });
  store.deleteService("ns", "svc0");
  assert.equal(store.slicesOf("ns/svc0").length, 0, "a deleted Service's slices go with it");
});

test("an endpoint is its address and its pod: a pod replaced on the same address is removed and added, not updated in place", () => {
  const { store } = setup();
  for (const [i, name] of ["a", "c", "d"].entries())
    store.createPod({ namespace: "ns", name, labels: { app: "a0" }, ip: POD_IP(i), ready: true });
  store.createService(service(0));
  const order = () => store.slicesOf("ns/svc0").flatMap((x) => x.endpoints.map((e) => e.pod));
  const before = order(),
    gone = before[0];
  // While the Service has no selector the controller does not see the first pod go and b come on its address.
  store.updateService({ ...store.services.get("ns/svc0")!, selector: undefined });
  const ip = store.pods.get(`ns/${gone}`)!.ip;
  store.deletePod("ns", gone);
  store.createPod({ namespace: "ns", name: "b", labels: { app: "a0" }, ip, ready: true });
  store.updateService({ ...store.services.get("ns/svc0")!, selector: { app: "a0" } });
  assert.deepEqual(
    order(),
    [...before.slice(1), "b"],
    "the pod is dropped from the slice and b appended (keyed by address alone, b would take its place)",
  );
});

test("no endpoints: one empty placeholder slice, written once", () => {
  const { store, ctl } = setup();
  store.createService(service(0));
  assert.equal(store.slicesOf("ns/svc0").length, 1);
  assert.equal(store.slicesOf("ns/svc0")[0].endpoints.length, 0);
  const writes = ctl.writes;
  store.updateService({ ...store.services.get("ns/svc0")!, sessionAffinity: "ClientIP" });
  assert.equal(ctl.writes, writes, "an unchanged placeholder is not rewritten");
  store.createPod({ namespace: "ns", name: "a", labels: { app: "a0" }, ip: POD_IP(1), ready: true });
  assert.equal(store.slicesOf("ns/svc0").length, 1, "the placeholder is reused for the first endpoint");
});

test("250 pods fill three slices of at most 100; one more pod touches one slice", () => {
  const { store, ctl } = setup();
  store.createService(service(0));
  for (let i = 0; i < 250; i++)
    store.createPod({ namespace: "ns", name: `p${i}`, labels: { app: "a0" }, ip: POD_IP(i), ready: true });
  const sizes = store
    .slicesOf("ns/svc0")
    .map((s) => s.endpoints.length)
    .sort((a, b) => a - b);
  assert.ok(
    sizes.every((n) => n <= 100),
    `${sizes}`,
  );
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    250,
  );
  assert.equal(sizes.length, 3);
  const writes = ctl.writes;
  store.createPod({ namespace: "ns", name: "p250", labels: { app: "a0" }, ip: POD_IP(250), ready: true });
  assert.equal(ctl.writes - writes, 1);
  store.deletePod("ns", "p7");
  assert.equal(ctl.writes - writes, 2);
});

test("after any events, each Service's slices hold exactly its selected pods with IPs, each once", () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant("pod" as const), j: fc.nat(30), app: fc.nat(2), ready: fc.boolean(), ip: fc.boolean() }),
    fc.record({ k: fc.constant("delpod" as const), j: fc.nat(30) }),
    fc.record({ k: fc.constant("svc" as const), i: fc.nat(3), app: fc.nat(2) }),
    fc.record({ k: fc.constant("delsvc" as const), i: fc.nat(3) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 2, max: 5 }), (ops, max) => {
      const store = new ClusterStore();
      const ctl = new EndpointSliceController(store, max);
      for (const o of ops) {
        if (o.k === "pod") {
          const prev = store.pods.get(`ns/p${o.j}`);
          const pod = {
            namespace: "ns",
            name: `p${o.j}`,
            labels: { app: `a${o.app}` },
            ip: prev?.ip ?? (o.ip ? POD_IP(o.j) : undefined),
            ready: o.ready && (prev?.ip !== undefined || o.ip),
          };
          if (prev) store.updatePod(pod);
          else store.createPod(pod);
        } else if (o.k === "delpod") {
          if (store.pods.has(`ns/p${o.j}`)) store.deletePod("ns", `p${o.j}`);
        } else if (o.k === "svc") {
          const s = service(o.i, { selector: { app: `a${o.app}` } });
          if (store.services.has(`ns/svc${o.i}`)) store.updateService(s);
          else store.createService(s);
        } else if (store.services.has(`ns/svc${o.i}`)) store.deleteService("ns", `svc${o.i}`);
      }
      for (const s of store.services.values()) {
        const want = [...store.pods.values()]
          .filter((p) => p.ip !== undefined && selectorMatches(s.selector, p.labels))
          .map((p) => `${p.name}:${p.ready}`)
          .sort();
        assert.deepEqual(endpointsOf(store, `ns/${s.name}`), want);
        const slices = store.slicesOf(`ns/${s.name}`);
        assert.ok(slices.every((x) => x.endpoints.length <= max));
        assert.ok(slices.length >= 1);
      }
      for (const sl of store.slices.values())
        assert.ok(store.services.has(sl.service), `slice ${sl.name} outlived ${sl.service}`);
      ctl.stop();
    }),
    { numRuns: 150 },
  );
});
