// The sync suite's userspace dial case (kubernetes pkg/proxy/userspace, removed in 1.26): with some
// pods refusing, a connection dials endpoints in turn with timeouts 250 ms … 2 s; attempts and the
// (simulated) time to connect, and ns per connection.
import { Bench } from "tinybench";
import { formatIPv4 } from "../src/cluster/ip";
import { PROTOCOL_NUMBER } from "../src/cluster/service";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { newProxier } from "../src/proxy/modes";
import { ClusterNetwork } from "../src/proxy/userspace/network";
import { UserspaceProxier } from "../src/proxy/userspace/proxier";
import { DialCase } from "../src/report/cases";
import { Budget, measuredOf } from "./harness";
import { buildCluster } from "./sync-cluster";

/** Pods of one Service that refuse connections in the userspace dial case (readiness has not caught up). */
const DIAL_PODS = 10;
const DIAL_REFUSING = 3;
const DIAL_CONNECTS = 2000;
/** The dial case needs a cluster the userspace proxier can hold; its cost does not depend on N. */
export const DIAL_MAX_N = 1000;

/**
 * userspace dial retries: DIAL_PODS ready pods of which DIAL_REFUSING refuse; ns per connection
 * (portal lookup, balancer, dials) and, in simulated time, attempts and time to connect.
 */
export function userspaceDials(smallestN: number, seed: number, budget: Budget): DialCase {
  const n = Math.min(smallestN, DIAL_MAX_N);
  const c = buildCluster(n, 1, seed);
  const proxier = newProxier("userspace", c.store) as UserspaceProxier;
  const kp = new KubeProxy(c.store, proxier);
  try {
    const svc = c.workload.services[0];
    for (let i = 1; i < DIAL_PODS; i++) c.store.createPod(c.workload.pod(0, `dial-${i}`));
    kp.flush();
    const eps = c.store
      .slicesOf(`${svc.namespace}/${svc.name}`)
      .flatMap((s) => s.endpoints)
      .map((e) => `${formatIPv4(e.ip)}:${svc.ports[0].targetPort}`);
    for (const ep of eps.slice(0, DIAL_REFUSING)) (proxier.network as ClusterNetwork).refusing.add(ep);
    const p = svc.ports[0];
    let sport = 0;
    const packet = () => ({
      saddr: 0x0a800001,
      sport: 1024 + (sport++ % 60000),
      daddr: svc.clusterIP,
      dport: p.port,
      proto: PROTOCOL_NUMBER[p.protocol],
    });
    const attempts: number[] = [],
      times: number[] = [];
    let failed = 0;
    for (let i = 0; i < DIAL_CONNECTS; i++) {
      const r = proxier.route(packet(), kp.now);
      if (r.verdict !== "dnat") failed++;
      if (r.verdict === "dnat" || r.verdict === "reject") {
        attempts.push(r.attempts ?? 0);
        times.push(r.connectMs ?? 0);
      }
    }
    const sorted = [...times].sort((a, b) => a - b);
    const bench = new Bench({
      name: "userspace dial",
      time: budget.time,
      iterations: 1,
      throws: true,
      warmupIterations: 1,
      warmupTime: 0,
    });
    bench.add("dial", () => proxier.route(packet(), kp.now));
    return {
      suite: "sync",
      impl: "userspace",
      n,
      scenario: "dial-retries",
      endpoints: DIAL_PODS,
      ...measuredOf(bench.runSync()[0], "userspace dial-retries"),
      refusing: DIAL_REFUSING,
      mean_attempts: attempts.reduce((a, b) => a + b, 0) / attempts.length,
      mean_connect_ms: times.reduce((a, b) => a + b, 0) / times.length,
      p99_connect_ms: sorted[Math.floor(0.99 * (sorted.length - 1))],
      failed_share: failed / DIAL_CONNECTS,
    };
  } finally {
    kp.stop();
    proxier.dispose();
    c.controller.stop();
  }
}
