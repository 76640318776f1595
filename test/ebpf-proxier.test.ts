// The ebpf proxier (src/proxy/ebpf/, after Cilium's service manager): a sync per change with no
// min-sync-period; what one Service's creation, one more pod and the deletion write to the lb4 maps; the
// Maglev table written whole; the bpftool lines in the kernel's byte order; a deleted Service leaves nothing;
// a full sync that cannot fit is refused before it writes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCluster } from "../bench/sync-cluster";
import { SvcbenchError } from "../src/core";
import { EbpfProxier } from "../src/proxy/ebpf/proxier";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { Fixture, POD_IP, SERVICE_IP, service } from "./proxy-fixture";

const pod = (j: number, app: string) => ({
  namespace: "ns",
  name: `pod${j}`,
  labels: { app },
  ip: POD_IP(j),
  ready: true,
});

test("one Service with two pods, one more pod, then its deletion: the map writes Cilium's agent makes", () => {
  const f = new Fixture(["ebpf", "ebpf-maglev"]);
  try {
    const [random, maglev] = f.nodes.map((n) => n.proxier as EbpfProxier);
    f.sync();
    f.store.createPod(pod(0, "a0"));
    f.store.createPod(pod(1, "a0"));
    f.store.createService(service(0));
    const s = f.node("ebpf").kp.flush() ?? f.node("ebpf").kp.lastSync!;
    // Two backends, two slots, the frontend: five writes of 16 + 16 + 24 + 24 + 24 bytes.
    assert.deepEqual([s.rulesWritten, s.bytesWritten, s.full], [5, 104, false]);
    assert.equal(f.node("ebpf").kp.runner.minIntervalMs, 0, "no min-sync-period");
    const lines = random.lastText!.trim().split("\n");
    assert.equal(lines.length, 5);
    const ip = SERVICE_IP(0);
    const keyHex = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255, 0, 80, 0, 0, 6, 0, 0, 0]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join(" ");
    assert.equal(
      lines[4],
      `map update pinned @MAPS@/lb4_services key hex ${keyHex} value hex 00 00 00 00 02 00 01 00 00 00 00 00`,
      "frontend last: count 2, rev_nat_index 1",
    );
    f.sync();
    const m = maglev.maps.maglev.get(1)!;
    assert.equal(m.length, 16381);
    assert.ok(f.node("ebpf-maglev").kp.lastSync!.bytesWritten >= 16381 * 4, "the Maglev table written whole");
    f.store.createPod(pod(2, "a0"));
    f.sync();
    const add = f.node("ebpf").kp.lastSync!;
    assert.equal(add.rulesWritten, 5, "one backend, three slots rewritten, the frontend");
    f.store.deleteService("ns", "svc0");
    f.sync();
    assert.equal(random.maps.services.count, 0);
    assert.equal(random.maps.backends.count, 0);
    assert.equal(maglev.maps.maglev.size, 0);
    assert.equal(f.node("ebpf").kp.lastSync!.rulesWritten, 7, "three slots, the frontend, three backends deleted");
  } finally {
    f.dispose();
  }
});

test("a full sync past the Maglev budget is refused before any table is built", () => {
  // 3000 Services with a pod each: over 2049 frontends, whose tables of 131071 ids would pass 1 GiB.
  const c = buildCluster(3000, 1, 1);
  const proxier = new EbpfProxier({ algorithm: "maglev", maglevM: 131071 });
  const kp = new KubeProxy(c.store, proxier);
  try {
    const t0 = performance.now();
    assert.throws(
      () => kp.flush(),
      (e: unknown) =>
        e instanceof SvcbenchError &&
        /^ebpf-maglev: Maglev tables of 131071 entries for over \d+ frontends pass 1 GiB$/.test(e.message),
    );
    assert.equal(proxier.maps.maglev.size, 0, "no table built");
    assert.equal(proxier.maps.services.count, 0, "nothing written");
    assert.ok(performance.now() - t0 < 5000, "refused up front, not after building 2049 tables");
  } finally {
    kp.stop();
    proxier.dispose();
    c.controller.stop();
  }
});
