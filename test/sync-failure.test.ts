// A sync that fails: the nftables proxier remembers nothing of a transaction that did not apply, a
// failed stale-chain deletion is retried later, and kube-proxy retries the sync a sync period on
// (kubernetes pkg/proxy/nftables/proxier.go syncProxyRules: RetryAfter(syncPeriod), needFullSync).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { EndpointSliceController } from "../src/cluster/endpoints-controller";
import { parseCidr, parseIPv4 } from "../src/cluster/ip";
import { ClusterStore } from "../src/cluster/store";
import { SvcbenchError } from "../src/core";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { NftablesProxier } from "../src/proxy/nftables/proxier";
import { BoundedFrequencyRunner } from "../src/proxy/sync-runner";

const node = { nodeIP: parseIPv4("192.168.0.2"), clusterCIDR: parseCidr("10.0.0.0/8"), seed: 7 };
const open: { dispose(): void }[] = [];
after(() => open.forEach((o) => o.dispose()));

/** Two Services with a pod each; the proxier's next nft transactions fail when fail() says so. */
function setup() {
  const store = new ClusterStore();
  new EndpointSliceController(store);
  for (const i of [1, 2]) {
    store.createPod({
      namespace: "ns",
      name: `svc${i}-a`,
      labels: { app: `svc${i}` },
      ip: parseIPv4(`10.180.0.${i}`),
      ready: true,
    });
    store.createService({
      namespace: "ns",
      name: `svc${i}`,
      type: "ClusterIP",
      clusterIP: parseIPv4(`172.30.0.${i}`),
      selector: { app: `svc${i}` },
      ports: [{ name: "p80", protocol: "TCP", port: 80, targetPort: 80 }],
    });
  }
  const p = new NftablesProxier({ node, keepText: true });
  open.push(p);
  const kp = new KubeProxy(store, p);
  kp.flush();
  let failing = 0;
  const apply = p.ruleset.apply.bind(p.ruleset);
  p.ruleset.apply = (input) => {
    if (failing > 0) {
      failing--;
      throw new SvcbenchError("nft: injected failure");
    }
    return apply(input);
  };
  const route = (i: number, port = 80) => {
    const r = p.route(
      { saddr: parseIPv4("10.0.0.9"), sport: 1, daddr: parseIPv4(`172.30.0.${i}`), dport: port, proto: 6 },
      kp.now,
    );
    return r.verdict === "dnat" ? r.endpoint : r.verdict;
  };
  return {
    store,
    p,
    kp,
    route,
    failNext: (n: number) => {
      failing = n;
    },
  };
}

test("a failed run is retried by retryInterval, no sooner than min interval after it", () => {
  const r = new BoundedFrequencyRunner(1000);
  assert.equal(r.dueAt(0), undefined);
  r.retryAfter(0, 30000);
  assert.equal(r.dueAt(0), 30000);
  r.retryAfter(0, 40000);
  assert.equal(r.dueAt(0), 30000, "the soonest retry wins");
  r.run();
  assert.equal(r.take(5), true, "a run before the retry spends it");
  assert.equal(r.dueAt(5), undefined);
  r.retryAfter(5, 200);
  assert.equal(r.dueAt(5), 1005, "the loop waits min interval after a run before its retry timer");
});

/** svc2's second pod, svc2-b at 10.180.0.3. */
function addSvc2Pod(store: ClusterStore) {
  store.createPod({
    namespace: "ns",
    name: "svc2-b",
    labels: { app: "svc2" },
    ip: parseIPv4("10.180.0.3"),
    ready: true,
  });
}

test("a failed transaction is retried a sync period later as a full sync; nothing of it was remembered", () => {
  const { store, p, kp, route, failNext } = setup();
  kp.now = 10_000;
  store.deletePod("ns", "svc1-a"); // svc1's chains go stale
  addSvc2Pod(store);
  failNext(1);
  assert.deepEqual(kp.advance(12_000), [], "the sync failed");
  assert.equal(kp.failedSyncs, 1);
  assert.match(kp.lastError!.message, /injected failure/);
  assert.equal(p.staleChainCount, 0, "chains the failed transaction would have flushed are not stale");
  assert.equal(route(1), "10.180.0.1:80", "the kernel still holds the last applied rules");
  assert.equal(kp.runner.dueAt(kp.now), 10_000 + kp.syncPeriodMs, "retried a sync period after the failure");
  const [s] = kp.advance(10_000 + kp.syncPeriodMs);
  assert.equal(s.full, true, "changes already taken from the trackers: only a full sync can repair");
  assert.equal(route(1), "reject");
  assert.equal(p.staleChainCount, 2, "svc1's service and endpoint chains are flushed now");
  // No wedge: the stale chains are deleted a second later, partial syncs go on.
  kp.now += 2000;
  store.deletePod("ns", "svc2-b");
  const [t] = kp.advance(kp.now + 1000);
  assert.equal(t.full, false);
  assert.match(p.lastText!, /^delete chain ip kube-proxy endpoint-[A-Z2-7]{8}-ns\/svc1\//);
  assert.equal(p.staleChainCount, 1, "svc2-b's endpoint chain");
  assert.equal(route(2), "10.180.0.2:80");
  assert.equal(kp.failedSyncs, 1);
});

test("a stale-chain deletion that fails does not fail the sync; the chains are deleted by a later one", () => {
  const { store, p, kp, route, failNext } = setup();
  kp.now = 10_000;
  store.deleteService("ns", "svc1");
  kp.flush();
  assert.equal(p.staleChainCount, 2);
  kp.now = 12_000;
  addSvc2Pod(store);
  failNext(1);
  const s = kp.flush()!;
  assert.equal(s.full, false, "the sync itself applied");
  assert.equal(kp.failedSyncs, 0);
  assert.equal(p.cleanupFailures, 1);
  assert.equal(p.staleChainCount, 2, "still stale, to be deleted later");
  assert.equal(new Set([route(2), route(2), route(2), route(2), route(2), route(2)]).size, 2, "svc2's new pod is in");
  kp.now = 14_000;
  store.deletePod("ns", "svc2-b");
  kp.flush();
  assert.equal(p.lastText!.split("\n").filter((l) => l.startsWith("delete chain ")).length, 2);
  assert.equal(
    [...p.ruleset.chains.keys()].some((c) => c.includes("ns/svc1/")),
    false,
    "svc1's chains are gone",
  );
});
