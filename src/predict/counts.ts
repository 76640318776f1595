// What each mode's syncs write and what its table holds, counted per Service from the proxiers' own
// renderers (src/proxy/iptables/render.ts, src/proxy/nftables/render.ts) rendering one Service of the
// same shape (type, ports, endpoints local and terminating, traffic policies, external and load-balancer
// IPs, source ranges, affinity, name and address lengths), and per sync summed over the Services it
// writes: the shortcut that keeps a 1 h prediction from re-rendering the table every sync.
// An endpoint change is one endpoint replaced (a pod gone, another ready): iptables deletes the old
// KUBE-SEP chain at its next cleanup, nftables flushes the old endpoint chain and deletes it a sync later.
// The rule-writing modes' shapes: shape-rules.ts; ipvs and ebpf write objects, not text: shape-objects.ts.
import { CLUSTER_CIDR, formatCidr, formatIPv4, NODE_IP } from "../cluster/ip";
import { unmodelledFeatures } from "../proxy/features";
import { NodeConfig } from "../proxy/node";
import { ProxyMode } from "../proxy/types";
import { SnapshotService } from "../snapshot/snapshot";
import { PredictMode } from "./modes";
import { PerShape, Written } from "./shape-objects";
import { ModeWriter, modeWriter, probe } from "./shape-rules";

export type { Written } from "./shape-objects";

export interface ClusterCounts {
  readonly mode: PredictMode;
  readonly servicePorts: number;
  /** Σ over service ports of their endpoints: what CategorizeEndpoints looks at each sync. */
  readonly endpoints: number;
  /** Rules (iptables), rules + elements + chains (nftables), virtual + real servers (ipvs), map entries (ebpf) held. */
  readonly held: number;
  /** A full sync (every Service written; nftables: the table set up again). */
  readonly full: Written;
  /** Written by every partial sync whatever changed (fixed chains, KUBE-SERVICES whole for iptables). */
  readonly partialBase: Written;
  /**
   * Per Service of the snapshot (Service j of the scaled cluster is j % length): what a partial sync writes when one of
   * its endpoints was replaced (columns lines, rules, bytes).
   */
  readonly perService: readonly [Float64Array, Float64Array, Float64Array];
  /**
   * iptables: rules in the nat table's KUBE-SERVICES a first packet may walk (the last ones jump to KUBE-NODEPORTS).
   */
  readonly kubeServicesRules: number;
  /** ipvs: netlink calls every sync makes to list what the kernel holds (1 + one per virtual server). */
  readonly netlinkReads: number;
  /** ipvs: virtual servers; ebpf: frontends. */
  readonly virtualServers: number;
  /** More than largeClusterEndpointsThreshold endpoints (iptables: no per-endpoint comments). */
  readonly largeClusterMode: boolean;
  /**
   * Features the mode's proxier does not follow (src/proxy/features.ts), by name: service ports (1 for a node setting)
   * using each.
   */
  readonly notModelled: Record<string, number>;
}

/** The node a prediction is for: svcbench's node address, the configuration's pod range and node settings. */
export const PREDICT_NODE: NodeConfig = { nodeIP: NODE_IP, clusterCIDR: CLUSTER_CIDR, seed: 1 };

/** The proxier whose renderer or objects a mode's counts follow. */
const PROXIER: Readonly<Record<PredictMode, ProxyMode>> = {
  "iptables-legacy": "iptables-partial",
  "iptables-nft": "iptables-partial",
  nftables: "nftables",
  ipvs: "ipvs",
  ebpf: "ebpf",
};

const shapeKey = (s: SnapshotService) =>
  [
    s.type,
    s.ports,
    s.endpoints,
    s.local,
    s.terminating,
    s.affinity,
    Math.round(s.portNameChars / s.ports),
    formatIPv4(s.clusterIP).length,
    s.portDigits,
    s.loadBalancerIPs,
    s.externalIPs,
    s.loadBalancerSourceRanges,
    s.externalTrafficPolicyLocal,
    s.internalTrafficPolicyLocal,
  ].join("|");

/** Each Service's shape counts, rendered once per distinct shape and kept per snapshot, proxier and cluster mode. */
const perShapeCache = new WeakMap<readonly SnapshotService[], Map<string, PerShape[]>>();
function perShapeOf(
  services: readonly SnapshotService[],
  key: string,
  shapeOf: (s: SnapshotService, k: number) => PerShape,
): PerShape[] {
  let bySnapshot = perShapeCache.get(services);
  if (!bySnapshot) perShapeCache.set(services, (bySnapshot = new Map()));
  let per = bySnapshot.get(key);
  if (!per) {
    const cache = new Map<string, PerShape>();
    per = services.map((s) => {
      const k = shapeKey(s);
      let c = cache.get(k);
      if (!c) cache.set(k, (c = shapeOf(s, cache.size)));
      return c;
    });
    bySnapshot.set(key, per);
  }
  return per;
}

/** Features the mode's proxier does not follow: service ports using each (`times(i)` copies of Service i). */
function notModelledOf(
  mode: PredictMode,
  services: readonly SnapshotService[],
  per: readonly PerShape[],
  node: NodeConfig,
  times: (i: number) => number,
): Record<string, number> {
  const notModelled: Record<string, number> = {};
  const seen = new Map<PerShape, Map<string, number>>();
  per.forEach((c, i) => {
    let m = seen.get(c);
    if (!m)
      seen.set(
        c,
        (m = unmodelledFeatures(PROXIER[mode], probe(services[i], 0).ports, {
          ...node,
          masqueradeAll: false,
          nodePortAddresses: [],
        })),
      );
    for (const [k, v] of m) notModelled[k] = (notModelled[k] ?? 0) + times(i) * v;
  });
  for (const [k, v] of unmodelledFeatures(PROXIER[mode], [], node)) notModelled[k] = v;
  return notModelled;
}

/** The shapes summed over the scaled cluster (`times(i)` copies of Service i) on top of the mode's fixed part. */
function sumShapes(per: readonly PerShape[], times: (i: number) => number, w: ModeWriter) {
  const cols: [Float64Array, Float64Array, Float64Array] = [
    new Float64Array(per.length),
    new Float64Array(per.length),
    new Float64Array(per.length),
  ];
  const full = { ...w.fixedFull },
    partialBase = { ...w.fixedPartial };
  let held = w.fixedFull.rules,
    ksvc = w.fixedKsvc,
    objects = 0;
  per.forEach((c, i) => {
    const n = times(i);
    cols[0][i] = c.change.lines;
    cols[1][i] = c.change.rules;
    cols[2][i] = c.change.bytes;
    full.lines += n * (c.always.lines + c.chains.lines);
    full.rules += n * (c.always.rules + c.chains.rules);
    full.bytes += n * (c.always.bytes + c.chains.bytes);
    partialBase.lines += n * c.always.lines;
    partialBase.rules += n * c.always.rules;
    partialBase.bytes += n * c.always.bytes;
    held += n * c.held;
    ksvc += n * c.ksvc;
    objects += n * c.objects;
  });
  return { cols, full, partialBase, held, ksvc, objects };
}

/**
 * Counts for one mode over `total` Services: Service j is services[j % services.length] (the snapshot's shape scaled).
 */
export function countCluster(
  mode: PredictMode,
  services: readonly SnapshotService[],
  largeClusterEndpoints: number,
  total = services.length,
  node: NodeConfig = PREDICT_NODE,
): ClusterCounts {
  const base = services.length;
  const copies = Math.floor(total / base),
    rest = total % base;
  const times = (i: number) => copies + (i < rest ? 1 : 0);
  let endpoints = 0,
    servicePorts = 0;
  services.forEach((s, i) => {
    endpoints += times(i) * s.ports * s.endpoints;
    servicePorts += times(i) * s.ports;
  });
  const large = endpoints > largeClusterEndpoints;
  const writer = modeWriter(mode, node, large);
  const nodeKey = [
    formatCidr(node.clusterCIDR),
    node.masqueradeAll === true,
    (node.nodePortAddresses ?? []).map(formatCidr).join(","),
  ].join("|");
  // Keyed by proxier: both iptables backends render the same text, so share their shapes.
  const per = perShapeOf(services, `${PROXIER[mode]}|${large}|${nodeKey}`, writer.shapeOf);
  const notModelled = notModelledOf(mode, services, per, node, times);
  const { cols, full, partialBase, held, ksvc, objects } = sumShapes(per, times, writer);
  return {
    mode,
    servicePorts,
    endpoints,
    held,
    full,
    partialBase,
    perService: cols,
    kubeServicesRules: mode.startsWith("iptables") ? ksvc : 0,
    netlinkReads: mode === "ipvs" ? 1 + objects : 0,
    virtualServers: objects,
    largeClusterMode: large,
    notModelled,
  };
}
