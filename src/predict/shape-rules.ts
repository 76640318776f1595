// The rule-writing modes' per-Service shapes, from the proxiers' own renderers (src/proxy/iptables/render.ts,
// src/proxy/nftables/render.ts) rendering one representative Service of each shape, and what each mode writes
// whatever the Services. ipvs and ebpf write objects, not text: shape-objects.ts counts them.
import { formatIPv4 } from "../cluster/ip";
import { categorizeEndpoints } from "../proxy/categorize";
import { LOOPBACK, NodeConfig, nodePortIPs } from "../proxy/node";
import { IptablesRenderer } from "../proxy/iptables/render";
import { MASQUERADE_MARK } from "../proxy/iptables/walk";
import { NftRenderer } from "../proxy/nftables/render";
import { EndpointInfo, endpointInfo, ServicePortInfo } from "../proxy/service-port";
import { SERVICE_CIDR_BASE } from "../workload/cluster";
import { SnapshotService } from "../snapshot/snapshot";
import { PredictMode } from "./modes";
import { ebpfShape, ipvsShape, PerShape, Written, zero } from "./shape-objects";

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

/** What a mode writes whatever the Services (its fixed chains), and how it writes one Service's shape. */
export interface ModeWriter {
  readonly fixedFull: Written;
  readonly fixedPartial: Written;
  readonly fixedKsvc: number;
  readonly shapeOf: (s: SnapshotService, k: number) => PerShape;
}

function nftWriter(node: NodeConfig): ModeWriter {
  const r = new NftRenderer({
    clusterCIDR: node.clusterCIDR,
    masqueradeMark: MASQUERADE_MARK,
    serviceCIDR: { base: SERVICE_CIDR_BASE, bits: 12 },
    nodeIP: node.nodeIP,
    masqueradeAll: node.masqueradeAll,
    nodePortIPs: nodePortIPs(node)?.filter((a) => a !== LOOPBACK), // as the nftables proxier: no localhost NodePorts
  });
  const setup = r.setup();
  return {
    fixedFull: { lines: setup.length, rules: setup.length, bytes: setup.reduce((a, l) => a + l.length + 1, 0) },
    fixedPartial: zero(),
    fixedKsvc: 0,
    shapeOf: (s, k) => nftShape(r, s, k),
  };
}

function iptablesWriter(node: NodeConfig, large: boolean): ModeWriter {
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
  return {
    fixedFull: fixed,
    fixedPartial: fixed,
    fixedKsvc: fixed.ksvc,
    shapeOf: (s, k) => iptablesShape(r, large, fixed, s, k),
  };
}

export function modeWriter(mode: PredictMode, node: NodeConfig, large: boolean): ModeWriter {
  if (mode === "nftables") return nftWriter(node);
  if (mode === "ipvs") return { fixedFull: zero(), fixedPartial: zero(), fixedKsvc: 0, shapeOf: ipvsShape };
  if (mode === "ebpf") return { fixedFull: zero(), fixedPartial: zero(), fixedKsvc: 0, shapeOf: ebpfShape };
  return iptablesWriter(node, large);
}
