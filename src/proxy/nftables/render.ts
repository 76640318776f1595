// The `nft -f` text of kubernetes pkg/proxy/nftables/proxier.go as knftables writes a transaction:
// table "ip kube-proxy", its sets, verdict maps and base chains (setupNFTables), and per service port
// a "service-HASH-ns/name/proto/port" chain whose "numgen random mod N vmap" picks an
// "endpoint-HASH-…" chain that DNATs, plus the service-ips / service-nodeports / no-endpoint elements.
import { Cidr, formatCidr, formatIPv4 } from "../../cluster/ip";
import { ChainNameCache } from "../chain-cache";
import { nftEndpointChainBase, nftServiceChainBase } from "../chain-names";
import { EndpointInfo, lproto, ServicePortInfo } from "../service-port";
import { TABLE } from "./ruleset";
import { externallyAccessible } from "../categorize";

export interface NftOptions {
  readonly clusterCIDR: Cidr;
  /** --service-cluster-ip-range: unallocated ClusterIPs are dropped. */
  readonly serviceCIDR: Cidr;
  readonly nodeIP: number;
  readonly masqueradeMark: number;
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

export const MAPS = ["firewall-ips", "no-endpoint-nodeports", "no-endpoint-services", "service-ips", "service-nodeports"] as const;

export class NftRenderer {
  /** service-/external- by servicePortChainNameBase, endpoint- (and affinity-) by servicePortEndpointChainNameBase. */
  readonly names = new ChainNameCache(
    (p) => {
      const base = nftServiceChainBase(p.namespace, p.serviceName, lproto(p), p.portName);
      return { service: `service-${base}`, external: `external-${base}` };
    },
    (p, e) => nftEndpointChainBase(p.namespace, p.serviceName, lproto(p), p.portName, e.ipStr, e.port),
  );

  constructor(readonly opts: NftOptions) {}

  /** setupNFTables: the table, sets, maps, base chains and their rules; element containers flushed. */
  setup(): string[] {
    const o = this.opts, t = TABLE;
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
      const spec = hook ? ` { ${hook} ; }` : name === "reject-chain" ? ` { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }` : "";
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
      `add element ${t} nodeport-ips { ${formatIPv4(o.nodeIP)} }`,
      `add rule ${t} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services`,
    );
    return lines;
  }

  /** The elements a service port owns: "container { key [comment] : value }" without the verb. */
  elements(p: ServicePortInfo, hasEndpoints: boolean): string[] {
    const t = TABLE, proto = lproto(p);
    const c = this.names.of(p);
    const out = [`${t} cluster-ips { ${p.clusterIPStr} }`];
    const key = (ip: string) => `${ip} . ${proto} . ${p.port}`;
    const noEp = (k: string) => `{ ${k} comment "${p.name}" : goto reject-chain }`;
    out.push(hasEndpoints ? `${t} service-ips { ${key(p.clusterIPStr)} : goto ${c.service} }` : `${t} no-endpoint-services ${noEp(key(p.clusterIPStr))}`);
    for (const ip of [...p.externalIPStrs, ...p.loadBalancerIPStrs]) {
      out.push(hasEndpoints ? `${t} service-ips { ${key(ip)} : goto ${c.external} }` : `${t} no-endpoint-services ${noEp(key(ip))}`);
    }
    if (p.nodePort !== 0) {
      const k = `${proto} . ${p.nodePort}`;
      out.push(hasEndpoints ? `${t} service-nodeports { ${k} : goto ${c.external} }` : `${t} no-endpoint-nodeports ${noEp(k)}`);
    }
    return out;
  }

  /** Rules of the service, external and endpoint chains (the chains are added and flushed first). */
  rules(p: ServicePortInfo, eps: readonly EndpointInfo[], bases: readonly string[], stickySeconds: number): string[] {
    const t = TABLE, proto = lproto(p), c = this.names.of(p);
    const out: string[] = [];
    if (p.affinity) for (const b of bases) out.push(`add set ${t} affinity-${b} { type ipv4_addr ; flags dynamic,timeout ; timeout ${stickySeconds}s ; }`);
    out.push(`add rule ${t} ${c.service} ip daddr ${p.clusterIPStr} ${proto} dport ${p.port} ip saddr != ${formatCidr(this.opts.clusterCIDR)} jump mark-for-masquerade`);
    if (p.affinity) for (const b of bases) out.push(`add rule ${t} ${c.service} ip saddr @affinity-${b} goto endpoint-${b}`);
    out.push(`add rule ${t} ${c.service} numgen random mod ${eps.length} vmap { ${bases.map((b, i) => `${i} : goto endpoint-${b}`).join(" , ")} }`);
    if (externallyAccessible(p)) {
      out.push(`add rule ${t} ${c.external} jump mark-for-masquerade`, `add rule ${t} ${c.external} goto ${c.service}`);
    }
    eps.forEach((e, i) => {
      const ch = `endpoint-${bases[i]}`;
      out.push(`add rule ${t} ${ch} ip saddr ${e.ipStr} jump mark-for-masquerade`);
      if (p.affinity) out.push(`add rule ${t} ${ch} update @affinity-${bases[i]} { ip saddr }`);
      out.push(`add rule ${t} ${ch} meta l4proto ${proto} dnat to ${e.str}`);
    });
    return out;
  }
}
