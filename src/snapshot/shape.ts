// A cluster by its shape instead of a snapshot: --services N --endpoints E, where E is one count or a
// distribution "COUNT:SHARE,…" (e.g. "1:50%,10:40%,100:10%", shares in % or as fractions summing to 1).
// Services are ClusterIP with one TCP port; endpoints are spread over NODES nodes, so node-0 holds ~1/NODES.
// toKubeList writes the same cluster as a kubectl List (the generated snapshot of tests and benches).
import { formatIPv4 } from "../cluster/ip";
import { UsageError } from "../cli/flags";
import { MAX_ENDPOINTS_PER_SLICE } from "../cluster/endpointslice";
import { emptyCounts, portNameLength, Snapshot, SnapshotService } from "./snapshot";

export const SHAPE_NODES = 10;

export interface EndpointShare {
  readonly endpoints: number;
  readonly share: number;
}

/** "10" or "1:50%,10:40%,100:10%" → shares summing to 1. */
export function parseEndpointsFlag(v: string): EndpointShare[] {
  const bad = () =>
    new UsageError(
      `--endpoints takes a count (10) or COUNT:SHARE pairs (1:50%,10:40%,100:10%) whose shares sum to 100%, got "${v}"`,
    );
  if (/^\s*\d+\s*$/.test(v)) {
    const n = Number(v);
    if (n > 100000) throw bad();
    return [{ endpoints: n, share: 1 }];
  }
  const parts = v.split(",").map((p) => {
    const m = /^\s*(\d+)\s*:\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(p);
    if (!m || Number(m[1]) > 100000) throw bad();
    return { endpoints: Number(m[1]), share: Number(m[2]) / (m[3] === "%" ? 100 : 1) };
  });
  const sum = parts.reduce((a, p) => a + p.share, 0);
  if (Math.abs(sum - 1) > 1e-6) throw bad();
  return parts;
}

/** Service i's endpoint count: the distribution laid out in order, so every prefix keeps its shares. */
function endpointsAt(dist: readonly EndpointShare[], i: number): number {
  // Low-discrepancy pick (golden ratio sequence) so shares hold for any N.
  const u = (i * 0.6180339887498949) % 1;
  let acc = 0;
  for (const d of dist) {
    acc += d.share;
    if (u < acc) return d.endpoints;
  }
  return dist[dist.length - 1].endpoints;
}

/** The ClusterIP of Service i: 10.96.0.0/12 from 10.96.0.10 on. */
const clusterIPOf = (i: number) => 0x0a600000 + 10 + i;

export function shapeSnapshot(services: number, dist: readonly EndpointShare[]): Snapshot {
  const out: SnapshotService[] = new Array(services);
  const counts = emptyCounts();
  for (let i = 0; i < services; i++) {
    const e = endpointsAt(dist, i);
    // Endpoint j of Service i runs on node (i + j) % SHAPE_NODES: node-0 holds those with (i + j) % NODES == 0.
    const j0 = (SHAPE_NODES - (i % SHAPE_NODES)) % SHAPE_NODES;
    const local = j0 < e ? Math.floor((e - 1 - j0) / SHAPE_NODES) + 1 : 0;
    out[i] = {
      namespace: `ns-${i % 100}`,
      name: `svc-${i}`,
      type: "ClusterIP",
      clusterIP: clusterIPOf(i),
      ports: 1,
      portNameChars: portNameLength(`ns-${i % 100}`, `svc-${i}`, "p0"),
      portDigits: 2,
      endpoints: e,
      local,
      terminating: 0,
      affinity: false,
      externalTrafficPolicyLocal: false,
      internalTrafficPolicyLocal: false,
      externalIPs: 0,
      loadBalancerIPs: 0,
      loadBalancerSourceRanges: 0,
    };
    counts.servicePorts++;
    counts.endpoints += e;
    counts.slices += Math.ceil(e / MAX_ENDPOINTS_PER_SLICE);
  }
  counts.services = services;
  const label =
    dist.length === 1
      ? `${dist[0].endpoints}`
      : dist.map((d) => `${d.endpoints}:${+(d.share * 100).toFixed(4)}%`).join(",");
  return {
    source: `shape: ${services} Services × ${label} endpoints`,
    services: out,
    node: "node-0",
    counts,
    notModelled: {},
    orphanExamples: [],
  };
}

/** The shape as `kubectl get services,endpointslices -A -o json` would print it. */
export function toKubeList(snap: Snapshot): { apiVersion: "v1"; kind: "List"; items: unknown[] } {
  const items: unknown[] = [];
  let pod = 0;
  snap.services.forEach((s, i) => {
    items.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: s.name, namespace: s.namespace },
      spec: {
        type: s.type,
        clusterIP: formatIPv4(s.clusterIP),
        clusterIPs: [formatIPv4(s.clusterIP)],
        ipFamilies: ["IPv4"],
        ports: Array.from({ length: s.ports }, (_, p) => ({
          name: `p${p}`,
          protocol: "TCP",
          port: 80 + p,
          targetPort: 8080 + p,
        })),
        selector: { app: s.name },
        sessionAffinity: s.affinity ? "ClientIP" : "None",
      },
    });
    for (let from = 0; from < s.endpoints; from += MAX_ENDPOINTS_PER_SLICE) {
      const eps = [];
      for (let j = from; j < Math.min(s.endpoints, from + MAX_ENDPOINTS_PER_SLICE); j++, pod++) {
        eps.push({
          addresses: [formatIPv4(0x0a800000 + pod)],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: `node-${(i + j) % SHAPE_NODES}`,
          targetRef: { kind: "Pod", namespace: s.namespace, name: `${s.name}-${j}` },
        });
      }
      items.push({
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        addressType: "IPv4",
        metadata: {
          name: `${s.name}-${from / MAX_ENDPOINTS_PER_SLICE}`,
          namespace: s.namespace,
          labels: { "kubernetes.io/service-name": s.name },
        },
        endpoints: eps,
        ports: Array.from({ length: s.ports }, (_, p) => ({ name: `p${p}`, protocol: "TCP", port: 8080 + p })),
      });
    }
  });
  return { apiVersion: "v1", kind: "List", items };
}
