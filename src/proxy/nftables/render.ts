// The `nft -f` text of kubernetes pkg/proxy/nftables/proxier.go (kube-proxy v1.35.0) as knftables writes a transaction:
// table "ip kube-proxy", its sets, verdict maps and base chains (setupNFTables), and per service port
// a "service-HASH-ns/name/proto/port" chain whose "numgen random mod N vmap" picks an
// "endpoint-HASH-…" chain that DNATs, plus the service-ips / service-nodeports / no-endpoint elements;
// "local-", "external-" and "firewall-" chains and firewall-ips / drop elements for traffic policies and
// source ranges. The masquerade rule matches the ClusterIP alone (kubernetes#131492).
import { Cidr, cidrContains, formatCidr, formatIPv4, parseCidr } from "../../cluster/ip";
import { ChainNameCache, PortChains } from "../chain-cache";
import { nftEndpointChainBase, nftServiceChainBase } from "../chain-names";
import { EndpointInfo, lproto, ServicePortInfo } from "../service-port";
import { TABLE } from "./ruleset";
import { Categorized, endpointUse } from "../categorize";

interface NftOptions {
  readonly clusterCIDR: Cidr;
  /** --service-cluster-ip-range: unallocated ClusterIPs are dropped. */
  readonly serviceCIDR: Cidr;
  readonly nodeIP: number;
  readonly masqueradeMark: number;
  /** --masquerade-all. */
  readonly masqueradeAll?: boolean;
  /** The node's addresses that accept NodePorts (nodeport-ips; --nodeport-addresses), default the node IP. */
  readonly nodePortIPs?: readonly number[];
}

/** Base chains: name and hook spec (priority -110 filter pre-DNAT, -100 DNAT, 0 filter, 100 SNAT). */
const BASE_CHAINS: ReadonlyArray<[string, string?]> = [
  ["cluster-ips-check"],
  ["filter-prerouting-pre-dnat", "type filter hook prerouting priority -110"],
  ["filter-output-pre-dnat", "type filter hook output priority -110"],
  ["filter-forward", "type filter hook forward priority 0"],
  ["filter-input", "type filter hook input priority 0"],
  ["filter-output", "type filter hook output priority 0"],
  ["firewall-check"],
  ["mark-for-masquerade"],
  ["masquerading"],
  ["nat-output", "type nat hook output priority -100"],
  ["nat-postrouting", "type nat hook postrouting priority 100"],
  ["nat-prerouting", "type nat hook prerouting priority -100"],
  ["nodeport-endpoints-check"],
  ["reject-chain", undefined],
  ["services"],
  ["service-endpoints-check"],
];

export const MAPS = [
  "firewall-ips",
  "no-endpoint-nodeports",
  "no-endpoint-services",
  "service-ips",
  "service-nodeports",
] as const;

export class NftRenderer {
  /** service-/external- by servicePortChainNameBase, endpoint- (and affinity-) by servicePortEndpointChainNameBase. */
  readonly names = new ChainNameCache(
    (p) => {
      const base = nftServiceChainBase(p.namespace, p.serviceName, lproto(p), p.portName);
      return {
        service: `service-${base}`,
        external: `external-${base}`,
        local: `local-${base}`,
        firewall: `firewall-${base}`,
      };
    },
    (p, e) => nftEndpointChainBase(p.namespace, p.serviceName, lproto(p), p.portName, e.ipStr, e.port),
  );

  constructor(readonly opts: NftOptions) {}

  /** setupNFTables: the table, sets, maps, base chains and their rules; element containers flushed. */
  setup(): string[] {
    const o = this.opts,
      t = TABLE;
    const mark = `0x${o.masqueradeMark.toString(16)}`;
    const lines = [
      `add table ${t} { comment "rules for kube-proxy" ; }`,
      `add set ${t} cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }`,
      `add set ${t} nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`,
      `add map ${t} firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
      `add map ${t} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
      `add map ${t} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
      `add map ${t} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
      `add map ${t} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
    ];
    for (const [name, hook] of BASE_CHAINS) {
      const spec = hook
        ? ` { ${hook} ; }`
        : name === "reject-chain"
          ? ` { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`
          : "";
      lines.push(`add chain ${t} ${name}${spec}`, `flush chain ${t} ${name}`);
    }
    lines.push(
      `add rule ${t} cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
      `add rule ${t} cluster-ips-check ip daddr { ${formatCidr(o.serviceCIDR)} } drop comment "Drop traffic to unallocated ClusterIPs"`,
      `add rule ${t} filter-prerouting-pre-dnat ct state new jump firewall-check`,
      `add rule ${t} filter-forward ct state new jump service-endpoints-check`,
      `add rule ${t} filter-forward ct state new jump cluster-ips-check`,
      `add rule ${t} filter-input ct state new jump nodeport-endpoints-check`,
      `add rule ${t} filter-input ct state new jump service-endpoints-check`,
      `add rule ${t} filter-output ct state new jump service-endpoints-check`,
      `add rule ${t} filter-output-pre-dnat ct state new jump firewall-check`,
      `add rule ${t} filter-output ct state new jump cluster-ips-check`,
      `add rule ${t} firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips`,
      `add rule ${t} mark-for-masquerade mark set mark or ${mark}`,
      `add rule ${t} masquerading mark and ${mark} == 0 return`,
      `add rule ${t} masquerading mark set mark xor ${mark}`,
      `add rule ${t} masquerading masquerade fully-random`,
      `add rule ${t} nat-output jump services`,
      `add rule ${t} nat-postrouting jump masquerading`,
      `add rule ${t} nat-prerouting jump services`,
      `add rule ${t} nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
      `add rule ${t} reject-chain reject`,
      `add rule ${t} services ip daddr . meta l4proto . th dport vmap @service-ips`,
      `add rule ${t} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
      `flush set ${t} cluster-ips`,
      `flush set ${t} nodeport-ips`,
      ...MAPS.map((m) => `flush map ${t} ${m}`),
      ...(o.nodePortIPs ?? [o.nodeIP]).map((a) => `add element ${t} nodeport-ips { ${formatIPv4(a)} }`),
      `add rule ${t} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services`,
    );
    return lines;
  }

  /** What syncProxyRules decides for one service port before it writes anything. */
  plan(p: ServicePortInfo, c: Categorized): PortPlan {
    const names = this.names.of(p);
    const hasEndpoints = c.hasAny;
    return {
      c,
      names,
      ...endpointUse(p, c),
      usesFW: p.loadBalancerIPStrs.length > 0 && p.loadBalancerSourceRanges.length > 0,
      internalChain: p.internalPolicyLocal ? names.local! : names.service,
      externalPolicyChain: p.externalPolicyLocal ? names.local! : names.service,
      internalVerdict: !hasEndpoints ? "goto reject-chain" : "drop",
      externalVerdict: !hasEndpoints ? "goto reject-chain" : "drop",
    };
  }

  /** The chains a service port uses (ensureChain): endpoint, policy, external and firewall chains. */
  chains(pl: PortPlan, bases: readonly string[]): string[] {
    const out = bases.map((b) => `endpoint-${b}`);
    if (pl.usesCluster) out.push(pl.names.service);
    if (pl.usesLocal) out.push(pl.names.local!);
    if (pl.usesExt) out.push(pl.names.external);
    if (pl.usesFW) out.push(pl.names.firewall!);
    return out;
  }

  /**
   * The elements a service port owns (nftElementStorage.ensureElem), each as [its identity: container and
   * key, as "delete element" names it; the element: "container { key [comment] : value }" without the verb].
   */
  elements(p: ServicePortInfo, pl: PortPlan): [string, string][] {
    const t = TABLE,
      proto = lproto(p);
    const out: [string, string][] = [];
    const el = (map: string, k: string, v?: string, comment = false) => {
      const id = `${t} ${map} { ${k}`;
      out.push([id, v === undefined ? `${id} }` : `${id}${comment ? ` comment "${p.name}"` : ""} : ${v} }`]);
    };
    const key = (ip: string) => `${ip} . ${proto} . ${p.port}`;
    el("cluster-ips", p.clusterIPStr);
    if (pl.hasInternal) el("service-ips", key(p.clusterIPStr), `goto ${pl.internalChain}`);
    else el("no-endpoint-services", key(p.clusterIPStr), pl.internalVerdict, true);
    for (const ip of p.externalIPStrs) {
      if (pl.hasEndpoints) el("service-ips", key(ip), `goto ${pl.names.external}`);
      if (!pl.hasExternal) el("no-endpoint-services", key(ip), pl.externalVerdict, true);
    }
    for (const ip of p.loadBalancerIPStrs) {
      if (pl.hasEndpoints) el("service-ips", key(ip), `goto ${pl.names.external}`);
      if (pl.usesFW) el("firewall-ips", key(ip), `goto ${pl.names.firewall!}`);
    }
    if (!pl.hasExternal)
      for (const ip of p.loadBalancerIPStrs) el("no-endpoint-services", key(ip), pl.externalVerdict, true);
    if (p.nodePort !== 0) {
      const k = `${proto} . ${p.nodePort}`;
      if (pl.hasEndpoints) el("service-nodeports", k, `goto ${pl.names.external}`);
      if (!pl.hasExternal) el("no-endpoint-nodeports", k, pl.externalVerdict, true);
    }
    return out;
  }

  /** Rules (and affinity sets) of the port's chains, in kube-proxy's order; the chains are added and flushed first. */
  rules(p: ServicePortInfo, pl: PortPlan, epChain: ReadonlyMap<string, string>): string[] {
    const t = TABLE,
      proto = lproto(p),
      n = pl.names,
      c = pl.c;
    const out: string[] = [];
    if (pl.hasInternal) {
      const masq = this.opts.masqueradeAll ? "" : ` ip saddr != ${formatCidr(this.opts.clusterCIDR)}`;
      out.push(`add rule ${t} ${pl.internalChain} ip daddr ${p.clusterIPStr}${masq} jump mark-for-masquerade`);
    }
    if (pl.usesExt) {
      if (!p.externalPolicyLocal) out.push(`add rule ${t} ${n.external} jump mark-for-masquerade`);
      else {
        out.push(
          `add rule ${t} ${n.external} ip saddr ${formatCidr(this.opts.clusterCIDR)} goto ${n.service} comment "short-circuit pod traffic"`,
          `add rule ${t} ${n.external} fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"`,
          `add rule ${t} ${n.external} fib saddr type local goto ${n.service} comment "short-circuit local traffic"`,
        );
      }
      if (pl.hasExternal) out.push(`add rule ${t} ${n.external} goto ${pl.externalPolicyChain}`);
    }
    if (pl.usesFW) {
      const sources = [...p.loadBalancerSourceRanges];
      if (p.loadBalancerSourceRanges.some((r) => cidrContains(parseCidr(r), this.opts.nodeIP)))
        sources.push(...p.loadBalancerIPStrs);
      out.push(`add rule ${t} ${n.firewall!} ip saddr != { ${sources.join(" , ")} } drop`);
    }
    if (p.affinity) {
      for (const e of c.allReachable)
        out.push(
          `add set ${t} affinity-${epChain.get(e.str)!.slice(9)} { type ipv4_addr ; flags dynamic,timeout ; timeout ${p.stickySeconds}s ; }`,
        );
    }
    if (pl.usesCluster) this.serviceToEndpointRules(out, p, n.service, c.cluster, epChain);
    if (pl.usesLocal) this.serviceToEndpointRules(out, p, n.local!, c.local, epChain);
    for (const e of c.allReachable) {
      const ch = epChain.get(e.str)!;
      out.push(`add rule ${t} ${ch} ip saddr ${e.ipStr} jump mark-for-masquerade`);
      if (p.affinity) out.push(`add rule ${t} ${ch} update @affinity-${ch.slice(9)} { ip saddr }`);
      out.push(`add rule ${t} ${ch} meta l4proto ${proto} dnat to ${e.str}`);
    }
    return out;
  }

  /** writeServiceToEndpointRules: affinity gotos, then "numgen random mod N vmap". */
  private serviceToEndpointRules(
    out: string[],
    p: ServicePortInfo,
    chain: string,
    eps: readonly EndpointInfo[],
    epChain: ReadonlyMap<string, string>,
  ): void {
    const t = TABLE;
    if (p.affinity)
      for (const e of eps)
        out.push(
          `add rule ${t} ${chain} ip saddr @affinity-${epChain.get(e.str)!.slice(9)} goto ${epChain.get(e.str)!}`,
        );
    out.push(
      `add rule ${t} ${chain} numgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto ${epChain.get(e.str)!}`).join(" , ")} }`,
    );
  }
}

/** One service port's decisions: the endpoints by policy, which chains it uses, where its traffic goes. */
export interface PortPlan {
  readonly c: Categorized;
  readonly names: PortChains;
  readonly hasEndpoints: boolean;
  readonly hasInternal: boolean;
  readonly hasExternal: boolean;
  readonly usesCluster: boolean;
  readonly usesLocal: boolean;
  readonly usesExt: boolean;
  readonly usesFW: boolean;
  readonly internalChain: string;
  readonly externalPolicyChain: string;
  readonly internalVerdict: string;
  readonly externalVerdict: string;
}
