// A Snapshot of svcbench's own cluster objects (src/cluster/store.ts): the same per-Service counts a
// kubectl List gives, so that the prediction's counts can be checked against the proxiers syncing that cluster.
import { ClusterStore } from "../cluster/store";
import { emptyCounts, portNameLength, Snapshot, SnapshotService } from "./snapshot";

/** node: whose endpoints are local (kube-proxy's --hostname-override). */
export function snapshotFromStore(store: ClusterStore, source = "cluster store", node = ""): Snapshot {
  const counts = emptyCounts();
  const services: SnapshotService[] = [];
  for (const s of store.services.values()) {
    const key = `${s.namespace}/${s.name}`;
    const ready = new Map<number, string | undefined>();
    let terminating = 0;
    for (const sl of store.slicesOf(key)) {
      counts.slices++;
      for (const e of sl.endpoints) {
        if (e.ready) ready.set(e.ip, e.nodeName);
        else if (e.serving === true && e.terminating === true) terminating++;
      }
    }
    const lb =
      s.type === "LoadBalancer"
        ? new Set([...(s.loadBalancerIP !== undefined ? [s.loadBalancerIP] : []), ...(s.loadBalancerIngress ?? [])])
            .size
        : 0;
    services.push({
      namespace: s.namespace,
      name: s.name,
      type: s.type,
      clusterIP: s.clusterIP,
      ports: s.ports.length,
      portNameChars: s.ports.reduce((a, p) => a + portNameLength(s.namespace, s.name, p.name), 0),
      portDigits: s.ports.reduce((a, p) => a + String(p.port).length, 0),
      endpoints: ready.size,
      local: node === "" ? 0 : [...ready.values()].filter((n) => n === node).length,
      terminating,
      affinity: s.sessionAffinity === "ClientIP",
      externalTrafficPolicyLocal: s.externalTrafficPolicy === "Local",
      internalTrafficPolicyLocal: s.internalTrafficPolicy === "Local",
      externalIPs: s.externalIPs?.length ?? 0,
      loadBalancerIPs: lb,
      loadBalancerSourceRanges: s.type === "LoadBalancer" ? (s.loadBalancerSourceRanges?.length ?? 0) : 0,
    });
    counts.servicePorts += s.ports.length;
    counts.endpoints += ready.size;
  }
  counts.services = services.length;
  return { source, services, node, counts, notModelled: {}, orphanExamples: [] };
}
