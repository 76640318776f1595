// What each mode's syncs write and what its table holds, counted per Service from the proxiers' own
// renderers (src/proxy/iptables/render.ts, src/proxy/nftables/render.ts) rendering one Service of the
// same shape (type, ports, endpoints local and terminating, traffic policies, external and load-balancer
// IPs, source ranges, affinity, name and address lengths), and per sync summed over the Services it
// writes: the shortcut that keeps a 1 h prediction from re-rendering the table every sync.
// An endpoint change is one endpoint replaced (a pod gone, another ready): iptables deletes the old
// KUBE-SEP chain at its next cleanup, nftables flushes the old endpoint chain and deletes it a sync later.
// ipvs and ebpf write objects, not text: shape-objects.ts counts them.
import { CLUSTER_CIDR, formatCidr, formatIPv4, NODE_IP } from "../cluster/ip";
import { categorizeEndpoints } from "../proxy/categorize";
import { unmodelledFeatures } from "../proxy/features";
import { LOOPBACK, NodeConfig, nodePortIPs } from "../proxy/node";
import { ProxyMode } from "../proxy/types";
import { IptablesRenderer } from "../proxy/iptables/render";
import { MASQUERADE_MARK } from "../proxy/iptables/walk";
import { NftRenderer } from "../proxy/nftables/render";
import { EndpointInfo, endpointInfo, ServicePortInfo } from "../proxy/service-port";
import { SERVICE_CIDR_BASE } from "../workload/cluster";
import { SnapshotService } from "../snapshot/snapshot";
import { PredictMode } from "./modes";
import { ebpfShape, ipvsShape, PerShape, Written, zero } from "./shape-objects";

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
  /** Per Service of the snapshot (Service j of the scaled cluster is j % length): what a partial sync writes when one of its endpoints was replaced (columns lines, rules, bytes). */
  readonly perService: readonly [Float64Array, Float64Array, Float64Array];
  /** iptables: rules in the nat table's KUBE-SERVICES a first packet may walk (the last ones jump to KUBE-NODEPORTS). */
  readonly kubeServicesRules: number;
  /** ipvs: netlink calls every sync makes to list what the kernel holds (1 + one per virtual server). */
  readonly netlinkReads: number;
  /** ipvs: virtual servers; ebpf: frontends. */
  readonly virtualServers: number;
  /** More than largeClusterEndpointsThreshold endpoints (iptables: no per-endpoint comments). */
  readonly largeClusterMode: boolean;
  /** Features the mode's proxier does not follow (src/proxy/features.ts), by name: service ports (1 for a node setting) using each. */
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

const nl = (t: string) => {
  let n = 0;
  for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) n++;
  return n;
};
const NAT_KUBE_SERVICES = /^-A KUBE-SERVICES /gm;
const natKubeServices = (text: string) => (text.slice(text.indexOf("*nat")).match(NAT_KUBE_SERVICES) ?? []).length;

/** TEST-NET and benchmarking ranges: addresses of the right length that no cluster uses. */
const ipsFrom = (base: number, n: number) => Array.from({ length: n }, (_, i) => (base + i + 1) >>> 0);

/** One representative Service of this shape (names and addresses of the same lengths), its ports and endpoints. */
export function probe(s: SnapshotService, k: number): { ports: ServicePortInfo[]; eps: EndpointInfo[] } {
  const nameLen = Math.max(5, Math.round(s.portNameChars / s.ports));
  const ns = "n";
  const svcName = "s".repeat(Math.max(1, nameLen - 2 - 3)) + (k % 10);
  const ip = formatIPv4(s.clusterIP);
  const lb = s.type === "LoadBalancer" ? ipsFrom(0xc6120000, s.loadBalancerIPs) : [];
  const ext = ipsFrom(0xc6130000, s.externalIPs);
  const external = s.type !== "ClusterIP" || ext.length > 0;
  const ports: ServicePortInfo[] = [];
  for (let p = 0; p < s.ports; p++) {
    const portName = `p${p}`.slice(0, 2);
    const port = Math.min(65535, Number("8".repeat(Math.max(1, Math.round(s.portDigits / s.ports)))) + p);
    ports.push({
      service: `${ns}/${svcName}`,
      namespace: ns,
      serviceName: svcName,
      portName,
      name: `${ns}/${svcName}:${portName}`,
      protocol: "TCP",
      proto: 6,
      clusterIP: s.clusterIP,
      clusterIPStr: ip,
      port,
      targetPort: 8080,
      nodePort: s.type === "ClusterIP" ? 0 : 30000 + p,
      loadBalancerIPs: lb,
      loadBalancerIPStrs: lb.map(formatIPv4),
      externalIPs: ext,
      externalIPStrs: ext.map(formatIPv4),
      loadBalancerSourceRanges:
        s.type === "LoadBalancer"
          ? Array.from({ length: s.loadBalancerSourceRanges }, (_, i) => `203.0.${113 + (i % 100)}.0/24`)
          : [],
      externalPolicyLocal: external && s.externalTrafficPolicyLocal,
      internalPolicyLocal: s.internalTrafficPolicyLocal,
      healthCheckNodePort: s.type === "LoadBalancer" && s.externalTrafficPolicyLocal ? 32000 : 0,
      affinity: s.affinity,
      stickySeconds: s.affinity ? 10800 : 0,
    });
  }
  const addr = (i: number) => 0x0a800a0a + (i % 200) + ((i / 200) | 0) * 256;
  const eps = Array.from({ length: s.endpoints }, (_, i) =>
    endpointInfo(addr(i), 8080, { ready: true, serving: true, terminating: false, isLocal: i < s.local }),
  );
  for (let i = 0; i < s.terminating; i++)
    eps.push(
      endpointInfo(addr(s.endpoints + i), 8080, { ready: false, serving: true, terminating: true, isLocal: false }),
    );
  return { ports, eps };
}

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

function iptablesShape(
  r: IptablesRenderer,
  large: boolean,
  fixed: Written & { ksvc: number },
  s: SnapshotService,
  k: number,
): PerShape {
  const { ports, eps } = probe(s, k);
  const render = (full: boolean) => {
    const out = r.render({
      services: ports,
      categorize: (p) => categorizeEndpoints(eps, p),
      full,
      changed: new Set(),
      largeClusterMode: large,
    });
    return {
      lines: nl(out.text) - fixed.lines,
      rules: out.rules - fixed.rules,
      bytes: out.text.length - fixed.bytes,
      ksvc: natKubeServices(out.text),
    };
  };
  const all = render(true),
    always = render(false);
  const chains = { lines: all.lines - always.lines, rules: all.rules - always.rules, bytes: all.bytes - always.bytes };
  // The replaced endpoint's KUBE-SEP chain: ":KUBE-SEP-… - [0:0]" and "-X KUBE-SEP-…" at the next cleanup.
  const change =
    s.endpoints > 0
      ? { lines: chains.lines + 2 * s.ports, rules: chains.rules, bytes: chains.bytes + 64 * s.ports }
      : chains;
  return {
    always: { lines: always.lines, rules: always.rules, bytes: always.bytes },
    chains,
    change,
    held: all.rules,
    ksvc: always.ksvc - fixed.ksvc,
    objects: 0,
  };
}

function nftShape(r: NftRenderer, s: SnapshotService, k: number): PerShape {
  const { ports, eps } = probe(s, k);
  const w = zero();
  const add = (lines: string[]) => {
    for (const l of lines) {
      w.lines++;
      w.bytes += l.length + 1;
    }
  };
  let chains = 0,
    rules = 0,
    elems = 0,
    changeLines = 0,
    changeBytes = 0;
  for (const p of ports) {
    const pl = r.plan(p, categorizeEndpoints(eps, p));
    const e = r.elements(p, pl).map(([, x]) => `add element ${x}`);
    add(e);
    elems += e.length;
    const reach = pl.c.allReachable;
    const bases = r.names.endpointsOf(p, reach);
    const ch = r.chains(pl, bases);
    const ops = ch.flatMap((x) => [`add chain ip kube-proxy ${x}`, `flush chain ip kube-proxy ${x}`]);
    const rl = r.rules(p, pl, new Map(reach.map((x, i) => [x.str, `endpoint-${bases[i]}`])));
    add(ops);
    add(rl);
    chains += ch.length;
    rules += rl.length;
    if (reach.length === 0) continue;
    // The changed Service's chains and rules again, the old endpoint chain flushed, deleted a sync later.
    const old = `endpoint-${bases[0]}`;
    changeLines += ops.length + rl.length + 2;
    changeBytes +=
      [...ops, ...rl].reduce((a, l) => a + l.length + 1, 0) +
      `flush chain ip kube-proxy ${old}\n`.length +
      `delete chain ip kube-proxy ${old}\n`.length;
  }
  const change = { lines: changeLines, rules: changeLines, bytes: changeBytes };
  return {
    always: zero(),
    chains: { ...w, rules: w.lines },
    change,
    held: rules + elems + chains,
    ksvc: 0,
    objects: 0,
  };
}

/** Each Service's shape counts, rendered once per distinct shape and kept per snapshot, mode and cluster mode. */
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

/** Counts for one mode over `total` Services: Service j is services[j % services.length] (the snapshot's shape scaled). */
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
  let fixedFull = zero(),
    fixedPartial = zero(),
    fixedKsvc = 0;
  let shapeOf: (s: SnapshotService, k: number) => PerShape;
  if (mode === "nftables") {
    const r = new NftRenderer({
      clusterCIDR: node.clusterCIDR,
      masqueradeMark: MASQUERADE_MARK,
      serviceCIDR: { base: SERVICE_CIDR_BASE, bits: 12 },
      nodeIP: node.nodeIP,
      masqueradeAll: node.masqueradeAll,
      nodePortIPs: nodePortIPs(node)?.filter((a) => a !== LOOPBACK), // as the nftables proxier: no localhost NodePorts
    });
    const setup = r.setup();
    fixedFull = { lines: setup.length, rules: setup.length, bytes: setup.reduce((a, l) => a + l.length + 1, 0) };
    shapeOf = (s, k) => nftShape(r, s, k);
  } else if (mode === "ipvs") {
    shapeOf = ipvsShape;
  } else if (mode === "ebpf") {
    shapeOf = ebpfShape;
  } else {
    const r = new IptablesRenderer({
      clusterCIDR: node.clusterCIDR,
      masqueradeMark: MASQUERADE_MARK,
      localhostNodePorts: true,
      nodeIP: node.nodeIP,
      randomFully: true,
      nfacct: false,
      masqueradeAll: node.masqueradeAll,
      nodePortIPs: nodePortIPs(node),
    });
    const t = r.render({
      services: [],
      categorize: () => {
        throw new Error("no service port");
      },
      full: true,
      changed: new Set(),
      largeClusterMode: large,
    });
    const fixed = { lines: nl(t.text), rules: t.rules, bytes: t.text.length, ksvc: natKubeServices(t.text) };
    fixedFull = fixedPartial = fixed;
    fixedKsvc = fixed.ksvc;
    shapeOf = (s, k) => iptablesShape(r, large, fixed, s, k);
  }
  const nodeKey = [
    formatCidr(node.clusterCIDR),
    node.masqueradeAll === true,
    (node.nodePortAddresses ?? []).map(formatCidr).join(","),
  ].join("|");
  const per = perShapeOf(services, `${mode}|${large}|${nodeKey}`, shapeOf);
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
  const cols: [Float64Array, Float64Array, Float64Array] = [
    new Float64Array(base),
    new Float64Array(base),
    new Float64Array(base),
  ];
  const full = { ...fixedFull },
    partialBase = { ...fixedPartial };
  let held = fixedFull.rules,
    ksvc = fixedKsvc,
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
