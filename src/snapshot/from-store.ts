// A Snapshot of svcbench's own cluster objects (src/cluster/store.ts): the same per-Service counts a
// kubectl List gives, so that the prediction's counts can be checked against the proxiers syncing that cluster.
import { ClusterStore } from "../cluster/store";
import { emptyCounts, portNameLength, Snapshot, SnapshotService } from "./snapshot";

export function snapshotFromStore(store: ClusterStore, source = "cluster store"): Snapshot {
  const counts = emptyCounts();
  const services: SnapshotService[] = [];
  for (const s of store.services.values()) {
    const key = `${s.namespace}/${s.name}`;
    const ready = new Set<number>();
    for (const sl of store.slicesOf(key)) {
      counts.slices++;
      for (const e of sl.endpoints) if (e.ready) ready.add(e.ip);
    }
    services.push({
      namespace: s.namespace, name: s.name, type: s.type, clusterIP: s.clusterIP, ports: s.ports.length,
      portNameChars: s.ports.reduce((a, p) => a + portNameLength(s.namespace, s.name, p.name), 0),
      portDigits: s.ports.reduce((a, p) => a + String(p.port).length, 0),
      endpoints: ready.size, local: 0, terminating: 0, affinity: s.sessionAffinity === "ClientIP",
      externalTrafficPolicyLocal: false, internalTrafficPolicyLocal: false, externalIPs: 0,
      loadBalancerIPs: s.type === "LoadBalancer" && s.loadBalancerIP !== undefined ? 1 : 0, loadBalancerSourceRanges: 0,
    });
    counts.servicePorts += s.ports.length;
    counts.endpoints += ready.size;
  }
  counts.services = services.length;
  return { source, services, node: "", counts, notModelled: {}, orphanExamples: [] };
}
