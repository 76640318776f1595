// The iptables-restore text of kubernetes pkg/proxy/iptables/proxier.go syncProxyRules, line for line
// in its layout: filter and nat tables; KUBE-SERVICES with one rule per service port and KUBE-NODEPORTS
// last; KUBE-SVC-/KUBE-EXT-/KUBE-SEP- chains; "-m statistic --mode random --probability" 1/(n-i) with
// 10 decimals, the last rule unconditional; KUBE-MARK-MASQ; filter REJECT for no endpoints. A partial
// sync writes only the changed Services' chains (the rest go to a discard buffer) but KUBE-SERVICES whole.
import { Cidr, formatCidr } from "../../cluster/ip";
import { lproto, ServicePortInfo } from "../service-port";
import { ChainNameCache } from "../chain-cache";
import { endpointChainName, serviceChainName } from "../chain-names";
import { Categorized, externallyAccessible } from "../categorize";

export interface IptablesOptions {
  /** localDetector (--cluster-cidr): traffic from outside it to a ClusterIP is masqueraded. */
  readonly clusterCIDR: Cidr;
  /** 1 << --iptables-masquerade-bit (14). */
  readonly masqueradeMark: number;
  /** --iptables-localhost-nodeports (default true): NodePorts on 127.0.0.1 too, guarded by KUBE-FIREWALL. */
  readonly localhostNodePorts: boolean;
}

/** largeClusterEndpointsThreshold: above it, per-endpoint rules go without comments. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

export interface RenderInput {
  readonly services: Iterable<ServicePortInfo>;
  /** proxy.CategorizeEndpoints for a service port (every port is visited, in full and partial syncs). */
  readonly categorize: (p: ServicePortInfo) => Categorized;
  /** Full sync: every Service's chains; else only those of changed Services (namespace/name). */
  readonly full: boolean;
  readonly changed: ReadonlySet<string>;
  /** iptables-save's nat chains, when this sync cleans up stale chains; undefined: no cleanup. */
  readonly existingNatChains?: Iterable<string>;
  /** More than LARGE_CLUSTER_ENDPOINTS endpoints: no comments on per-endpoint rules. */
  readonly largeClusterMode: boolean;
}

export interface Rendered {
  readonly text: string;
  /** "-A" lines in the text. */
  readonly rules: number;
  /** Listed nat chains compared with the active ones (stale-chain cleanup). */
  readonly chainsCompared: number;
}

export class IptablesRenderer {
  private readonly probabilities: string[] = [];
  /** KUBE-SVC-/KUBE-EXT- by portProtoHash, KUBE-SEP- by servicePortEndpointChainName. */
  readonly names = new ChainNameCache(
    (p) => ({ service: serviceChainName("KUBE-SVC-", p.name, lproto(p)), external: serviceChainName("KUBE-EXT-", p.name, lproto(p)) }),
    (p, e) => endpointChainName(p.name, lproto(p), e.str),
  );
  private readonly mark: string;

  constructor(readonly opts: IptablesOptions) {
    this.mark = `0x${opts.masqueradeMark.toString(16)}`;
  }

  /** probability(n): fmt.Sprintf("%0.10f", 1.0/float64(n)), cached. */
  probability(n: number): string {
    return (this.probabilities[n] ??= (1 / n).toFixed(10));
  }

  render(input: RenderInput): Rendered {
    const o = this.opts, mark = this.mark;
    const filterChains = [":KUBE-SERVICES - [0:0]", ":KUBE-EXTERNAL-SERVICES - [0:0]", ":KUBE-FORWARD - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-PROXY-FIREWALL - [0:0]"];
    const filterRules: string[] = [];
    const natChains = [":KUBE-SERVICES - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-POSTROUTING - [0:0]", ":KUBE-MARK-MASQ - [0:0]"];
    const natRules = [
      `-A KUBE-POSTROUTING -m mark ! --mark ${mark}/${mark} -j RETURN`,
      `-A KUBE-POSTROUTING -j MARK --xor-mark ${mark}`,
      `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
      `-A KUBE-MARK-MASQ -j MARK --or-mark ${mark}`,
    ];
    if (o.localhostNodePorts) {
      filterChains.push(":KUBE-FIREWALL - [0:0]");
      filterRules.push(`-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
    }
    const large = input.largeClusterMode;
    const active = input.existingNatChains ? new Set<string>() : undefined;
    const notLocal = `! -s ${formatCidr(o.clusterCIDR)}`;

    for (const p of input.services) {
      const eps = input.categorize(p).allReachable;
      const n = eps.length;
      const name = p.name;
      const { service: svc, external: ext } = this.names.of(p);
      const external = n > 0 && externallyAccessible(p);
      const match = `-m ${p.protocol === "TCP" ? "tcp -p tcp" : p.protocol === "UDP" ? "udp -p udp" : "sctp -p sctp"}`;
      const dport = `--dport ${p.port}`;
      if (n > 0) natRules.push(`-A KUBE-SERVICES -m comment --comment "${name} cluster IP" ${match} -d ${p.clusterIPStr} ${dport} -j ${svc}`);
      else filterRules.push(`-A KUBE-SERVICES -m comment --comment "${name} has no endpoints" ${match} -d ${p.clusterIPStr} ${dport} -j REJECT`);
      for (const ip of p.externalIPStrs) {
        if (n > 0) natRules.push(`-A KUBE-SERVICES -m comment --comment "${name} external IP" ${match} -d ${ip} ${dport} -j ${ext}`);
        else filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment "${name} has no endpoints" ${match} -d ${ip} ${dport} -j REJECT`);
      }
      for (const ip of p.loadBalancerIPStrs) {
        if (n > 0) natRules.push(`-A KUBE-SERVICES -m comment --comment "${name} loadbalancer IP" ${match} -d ${ip} ${dport} -j ${ext}`);
        else filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment "${name} has no endpoints" ${match} -d ${ip} ${dport} -j REJECT`);
      }
      if (p.nodePort !== 0) {
        if (n > 0) natRules.push(`-A KUBE-NODEPORTS -m comment --comment ${name} ${match} --dport ${p.nodePort} -j ${ext}`);
        else filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment "${name} has no endpoints" -m addrtype --dst-type LOCAL ${match} --dport ${p.nodePort} -j REJECT`);
      }
      if (n === 0) continue;
      const write = input.full || input.changed.has(p.service);
      if (!write && !active) continue;
      const seps = this.names.endpointsOf(p, eps, write);
      if (active) {
        active.add(svc);
        if (external) active.add(ext);
        for (let i = 0; i < n; i++) active.add(seps[i]);
      }
      if (!write) continue;
      natRules.push(`-A ${svc} -m comment --comment "${name} cluster IP" ${match} -d ${p.clusterIPStr} ${dport} ${notLocal} -j KUBE-MARK-MASQ`);
      if (external) {
        natChains.push(`:${ext} - [0:0]`);
        natRules.push(`-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`, `-A ${ext} -j ${svc}`);
      }
      natChains.push(`:${svc} - [0:0]`);
      if (p.affinity) {
        for (let i = 0; i < n; i++) {
          const c = large ? "" : ` -m comment --comment "${name} -> ${eps[i].str}"`;
          natRules.push(`-A ${svc}${c} -m recent --name ${seps[i]} --rcheck --seconds ${p.stickySeconds} --reap -j ${seps[i]}`);
        }
      }
      for (let i = 0; i < n; i++) {
        const c = large ? "" : ` -m comment --comment "${name} -> ${eps[i].str}"`;
        const stat = i < n - 1 ? ` -m statistic --mode random --probability ${this.probability(n - i)}` : "";
        natRules.push(`-A ${svc}${c}${stat} -j ${seps[i]}`);
      }
      const c = large ? "" : ` -m comment --comment ${name}`;
      for (let i = 0; i < n; i++) {
        const sep = seps[i], e = eps[i];
        natChains.push(`:${sep} - [0:0]`);
        const recent = p.affinity ? ` -m recent --name ${sep} --set` : "";
        natRules.push(`-A ${sep}${c} -s ${e.ipStr} -j KUBE-MARK-MASQ`, `-A ${sep}${c}${recent} ${match} -j DNAT --to-destination ${e.str}`);
      }
    }

    let deleted = 0, compared = 0;
    if (input.existingNatChains && active) {
      for (const chain of input.existingNatChains) {
        compared++;
        if (active.has(chain) || !/^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain)) continue;
        natChains.push(`:${chain} - [0:0]`);
        natRules.push(`-X ${chain}`);
        deleted++;
      }
    }
    const dst = o.localhostNodePorts ? "" : " ! -d 127.0.0.0/8";
    natRules.push(`-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL${dst} -j KUBE-NODEPORTS`);
    filterRules.push(
      `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`,
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    );
    const text = "*filter\n" + filterChains.join("\n") + "\n" + filterRules.join("\n") + "\nCOMMIT\n*nat\n" +
      natChains.join("\n") + "\n" + natRules.join("\n") + "\nCOMMIT\n";
    return { text, rules: filterRules.length + natRules.length - deleted, chainsCompared: compared };
  }
}
