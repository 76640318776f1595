// What each mode's syncs write and what its table holds, counted per Service from the proxiers' own
// renderers (src/proxy/iptables/render.ts, src/proxy/nftables/render.ts) rendering one Service of the
// same shape (type, ports, endpoints, affinity, name and address lengths), and per sync summed over the
// Services it writes: the shortcut that keeps a 1 h prediction from re-rendering the table every sync.
// An endpoint change is one endpoint replaced (a pod gone, another ready): iptables deletes the old
// KUBE-SEP chain at its next cleanup, nftables flushes the old endpoint chain and deletes it a sync later.
// ipvs (kubernetes pkg/proxy/ipvs/proxier.go): each sync lists the virtual servers and each one's real
// servers (netlink), then writes only the differences; a replaced endpoint is one add and one delete.
import { Cidr, CLUSTER_CIDR, formatIPv4 } from "../cluster/ip";
import { IptablesRenderer } from "../proxy/iptables/render";
import { MASQUERADE_MARK } from "../proxy/iptables/walk";
import { NftRenderer } from "../proxy/nftables/render";
import { EndpointInfo, endpointInfo, ServicePortInfo } from "../proxy/service-port";
import { SERVICE_CIDR_BASE } from "../workload/cluster";
import { NODE_IP } from "../cluster/ip";
import { SnapshotService } from "../snapshot/snapshot";
import { PredictMode } from "./modes";

export interface Written { lines: number; rules: number; bytes: number }

export interface ClusterCounts {
  readonly mode: PredictMode;
  readonly servicePorts: number;
  /** Σ over service ports of their endpoints: what CategorizeEndpoints looks at each sync. */
  readonly endpoints: number;
  /** Rules (iptables), rules + elements + chains (nftables), virtual + real servers (ipvs) held. */
  readonly held: number;
  /** A full sync (every Service written; nftables: the table set up again). */
  readonly full: Written;
  /** Written by every partial sync whatever changed (fixed chains, KUBE-SERVICES whole for iptables). */
  readonly partialBase: Written;
  /** Per Service of the snapshot (Service j of the scaled cluster is j % length): what a partial sync writes when one of its endpoints was replaced (columns lines, rules, bytes). */
  readonly perService: readonly [Float64Array, Float64Array, Float64Array];
  /** iptables: rules in KUBE-SERVICES a first packet walks (the Service's position; the last is KUBE-NODEPORTS). */
  readonly kubeServicesRules: number;
  /** ipvs: netlink calls every sync makes to list what the kernel holds (1 + one per virtual server). */
  readonly netlinkReads: number;
  /** ipvs: virtual servers. */
  readonly virtualServers: number;
  /** More than largeClusterEndpointsThreshold endpoints (iptables: no per-endpoint comments). */
  readonly largeClusterMode: boolean;
}

const nl = (t: string) => {
  let n = 0;
  for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) n++;
  return n;
};
const zero = (): Written => ({ lines: 0, rules: 0, bytes: 0 });

/** One representative service port of this shape (names and addresses of the same lengths). */
function probe(s: SnapshotService, k: number): { ports: ServicePortInfo[]; eps: EndpointInfo[] } {
  const nameLen = Math.max(5, Math.round(s.portNameChars / s.ports));
  const ns = "n";
  const svcName = "s".repeat(Math.max(1, nameLen - 2 - 3)) + (k % 10);
  const ip = formatIPv4(s.clusterIP);
  const ports: ServicePortInfo[] = [];
  for (let p = 0; p < s.ports; p++) {
    const portName = `p${p}`.slice(0, 2);
    const port = Math.min(65535, Number("8".repeat(Math.max(1, Math.round(s.portDigits / s.ports)))) + p);
    ports.push({
      service: `${ns}/${svcName}`, namespace: ns, serviceName: svcName, portName, name: `${ns}/${svcName}:${portName}`,
      protocol: "TCP", proto: 6, clusterIP: s.clusterIP, clusterIPStr: ip, port, targetPort: 8080,
      nodePort: s.type === "ClusterIP" ? 0 : 30000 + p, loadBalancerIP: s.type === "LoadBalancer" && s.loadBalancerIPs > 0 ? 0xc6120001 : undefined,
      loadBalancerIPStr: s.type === "LoadBalancer" && s.loadBalancerIPs > 0 ? "198.18.0.1" : undefined,
      affinity: s.affinity, stickySeconds: s.affinity ? 10800 : 0,
    });
  }
  const eps = Array.from({ length: s.endpoints }, (_, i) => endpointInfo(0x0a800a0a + (i % 200) + ((i / 200) | 0) * 256, 8080));
  return { ports, eps };
}

const shapeKey = (s: SnapshotService) =>
  `${s.type}|${s.ports}|${s.endpoints}|${s.affinity}|${Math.round(s.portNameChars / s.ports)}|${formatIPv4(s.clusterIP).length}|${s.portDigits}|${s.loadBalancerIPs > 0}`;

interface PerShape { always: Written; chains: Written; change: Written; held: number; ksvc: number }

function iptablesShape(r: IptablesRenderer, large: boolean, fixed: Written, s: SnapshotService, k: number): PerShape {
  const { ports, eps } = probe(s, k);
  const render = (full: boolean) => {
    const out = r.render({ services: ports, endpointsOf: () => eps, full, changed: new Set(), largeClusterMode: large });
    return { lines: nl(out.text) - fixed.lines, rules: out.rules - fixed.rules, bytes: out.text.length - fixed.bytes };
  };
  const all = render(true), always = render(false);
  const chains = { lines: all.lines - always.lines, rules: all.rules - always.rules, bytes: all.bytes - always.bytes };
  // The replaced endpoint's KUBE-SEP chain: ":KUBE-SEP-… - [0:0]" and "-X KUBE-SEP-…" at the next cleanup.
  const change = s.endpoints > 0 ? { lines: chains.lines + 2 * s.ports, rules: chains.rules, bytes: chains.bytes + 64 * s.ports } : chains;
  const ksvc = s.ports * (1 + (s.loadBalancerIPs > 0 && s.type === "LoadBalancer" ? 1 : 0));
  return { always, chains, change, held: all.rules, ksvc };
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
  let chains = 0, rules = 0, elems = 0, changeLines = 0, changeBytes = 0;
  for (const p of ports) {
    const e = r.elements(p, eps.length > 0).map((x) => `add element ${x}`);
    add(e);
    elems += e.length;
    if (eps.length === 0) continue;
    const c = r.names.of(p);
    const bases = r.names.endpointsOf(p, eps);
    const ch = [c.service, ...(p.nodePort !== 0 || p.loadBalancerIP !== undefined ? [c.external] : []), ...bases.map((b) => `endpoint-${b}`)];
    const ops = ch.flatMap((x) => [`add chain ip kube-proxy ${x}`, `flush chain ip kube-proxy ${x}`]);
    const rl = r.rules(p, eps, bases, p.stickySeconds);
    add(ops);
    add(rl);
    chains += ch.length;
    rules += rl.length;
    const opsBytes = ops.reduce((a, l) => a + l.length + 1, 0), rlBytes = rl.reduce((a, l) => a + l.length + 1, 0);
    // The changed Service's chains and rules again, the old endpoint chain flushed, later deleted.
    const old = `endpoint-${bases[0]}`;
    changeLines += ops.length + rl.length + 2;
    changeBytes += opsBytes + rlBytes + `flush chain ip kube-proxy ${old}\n`.length + `delete chain ip kube-proxy ${old}\n`.length;
  }
  const change = { lines: changeLines, rules: changeLines, bytes: changeBytes };
  return { always: zero(), chains: { ...w, rules: w.lines }, change, held: rules + elems + chains, ksvc: 0 };
}

function ipvsShape(s: SnapshotService): PerShape {
  const vs = s.ports * (1 + (s.type !== "ClusterIP" ? 1 : 0) + (s.type === "LoadBalancer" && s.loadBalancerIPs > 0 ? 1 : 0));
  // Startup: each virtual server added with its ipset entry, each real server added, the address bound.
  const lines = vs * 2 + vs * s.endpoints + 1;
  const change = s.endpoints > 0 ? { lines: 2 * vs, rules: 2 * vs, bytes: 2 * vs * 40 } : zero();
  return { always: zero(), chains: { lines, rules: lines, bytes: lines * 40 }, change, held: vs * (1 + s.endpoints), ksvc: vs };
}

/** Each Service's shape counts, rendered once per distinct shape and kept per snapshot, mode and cluster mode. */
const perShapeCache = new WeakMap<readonly SnapshotService[], Map<string, PerShape[]>>();
function perShapeOf(services: readonly SnapshotService[], key: string, shapeOf: (s: SnapshotService, k: number) => PerShape): PerShape[] {
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
export function countCluster(mode: PredictMode, services: readonly SnapshotService[], largeClusterEndpoints: number, total = services.length, clusterCIDR: Cidr = CLUSTER_CIDR): ClusterCounts {
  const base = services.length;
  let endpoints = 0, servicePorts = 0;
  const copies0 = Math.floor(total / base), rest0 = total % base;
  services.forEach((s, i) => {
    const times = copies0 + (i < rest0 ? 1 : 0);
    endpoints += times * s.ports * s.endpoints;
    servicePorts += times * s.ports;
  });
  const large = endpoints > largeClusterEndpoints;
  const node = { clusterCIDR, masqueradeMark: MASQUERADE_MARK };
  let fixedFull = zero(), fixedPartial = zero();
  let shapeOf: (s: SnapshotService, k: number) => PerShape;
  if (mode === "nftables") {
    const r = new NftRenderer({ ...node, serviceCIDR: { base: SERVICE_CIDR_BASE, bits: 12 }, nodeIP: NODE_IP });
    const setup = r.setup();
    fixedFull = { lines: setup.length, rules: setup.length, bytes: setup.reduce((a, l) => a + l.length + 1, 0) };
    shapeOf = (s, k) => nftShape(r, s, k);
  } else if (mode === "ipvs") {
    shapeOf = (s) => ipvsShape(s);
  } else {
    const r = new IptablesRenderer({ ...node, localhostNodePorts: true });
    const t = r.render({ services: [], endpointsOf: () => [], full: true, changed: new Set(), largeClusterMode: large });
    fixedFull = fixedPartial = { lines: nl(t.text), rules: t.rules, bytes: t.text.length };
    shapeOf = (s, k) => iptablesShape(r, large, fixedFull, s, k);
  }
  const per = perShapeOf(services, `${mode}|${large}|${clusterCIDR.base}/${clusterCIDR.bits}`, shapeOf);
  // Per Service of the snapshot; Service j of the scaled cluster is Service j % base.
  const cols: [Float64Array, Float64Array, Float64Array] = [new Float64Array(base), new Float64Array(base), new Float64Array(base)];
  const full = { ...fixedFull }, partialBase = { ...fixedPartial };
  let held = fixedFull.rules, ksvc = 1, vs = 0;
  const copies = Math.floor(total / base), rest = total % base;
  per.forEach((c, i) => {
    const times = copies + (i < rest ? 1 : 0);
    cols[0][i] = c.change.lines;
    cols[1][i] = c.change.rules;
    cols[2][i] = c.change.bytes;
    full.lines += times * (c.always.lines + c.chains.lines);
    full.rules += times * (c.always.rules + c.chains.rules);
    full.bytes += times * (c.always.bytes + c.chains.bytes);
    partialBase.lines += times * c.always.lines;
    partialBase.rules += times * c.always.rules;
    partialBase.bytes += times * c.always.bytes;
    held += times * c.held;
    ksvc += times * c.ksvc;
  });
  if (mode === "ipvs") vs = ksvc - 1;
  return {
    mode, servicePorts, endpoints, held, full, partialBase, perService: cols, kubeServicesRules: mode.startsWith("iptables") ? ksvc : 0,
    netlinkReads: mode === "ipvs" ? 1 + vs : 0, virtualServers: vs, largeClusterMode: large,
  };
}
