// The iptables-restore text of kubernetes pkg/proxy/iptables/proxier.go syncProxyRules (kube-proxy v1.35.0), line
// for line in its layout: filter and nat tables; KUBE-SERVICES with one rule per service port and KUBE-NODEPORTS
// last; KUBE-SVC-/KUBE-EXT-/KUBE-SEP- chains; "-m statistic --mode random --probability" 1/(n-i) with
// 10 decimals, the last rule unconditional; KUBE-MARK-MASQ; filter REJECT for no endpoints. A partial
// sync writes only the changed Services' chains (the rest go to a discard buffer) but KUBE-SERVICES whole.
// Per port, as its loop does: CategorizeEndpoints; the ClusterIP, external IP and load-balancer IP rules
// (KUBE-FW- first with source ranges); NodePort rules (a 127.0.0.0/8 one counted by nfacct when the
// counters exist); "has no endpoints" REJECT or "has no local endpoints" DROP; the health-check NodePort;
// then KUBE-EXT- (Local policy: pod and node traffic short-circuited), KUBE-FW-, KUBE-SVC-, KUBE-SVL-, KUBE-SEP-.
import { Cidr, cidrContains, formatCidr, formatIPv4, parseCidr } from "../../cluster/ip";
import { EndpointInfo, lproto, ServicePortInfo } from "../service-port";
import { ChainNameCache } from "../chain-cache";
import { endpointChainName, serviceChainName } from "../chain-names";
import { Categorized, externallyAccessible, usesClusterEndpoints, usesLocalEndpoints } from "../categorize";

export interface IptablesOptions {
  /** localDetector (--cluster-cidr): traffic from outside it to a ClusterIP is masqueraded. */
  readonly clusterCIDR: Cidr;
  /** 1 << --iptables-masquerade-bit (14). */
  readonly masqueradeMark: number;
  /** --iptables-localhost-nodeports (default true): NodePorts on 127.0.0.1 too, guarded by KUBE-FIREWALL. */
  readonly localhostNodePorts: boolean;
  /** The node's IP: a source range holding it also admits the LoadBalancer IPs (allowFromNode). */
  readonly nodeIP: number;
  /** --masquerade-all: every ClusterIP connection is marked for masquerade. */
  readonly masqueradeAll?: boolean;
  /** iptables has MASQUERADE --random-fully (HasRandomFully). */
  readonly randomFully: boolean;
  /** The nfacct counters exist (kube-proxy's nfacct runner ensured them): the rules count into them. */
  readonly nfacct: boolean;
  /** --nodeport-addresses: the node's addresses within those CIDRs; undefined: every local address. */
  readonly nodePortIPs?: readonly number[];
}

/** metrics.LocalhostNodePortAcceptedNFAcctCounter, metrics.IPTablesCTStateInvalidDroppedNFAcctCounter. */
export const LOCALHOST_NODEPORT_NFACCT = "localhost_nps_accepted_pkts";
export const CT_INVALID_NFACCT = "ct_state_invalid_dropped_pkts";

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

  /** KUBE-SVL-… (Local policy) and KUBE-FW-… (source ranges): few Services have them, computed when used. */
  private policyLocalChain(p: ServicePortInfo): string {
    return serviceChainName("KUBE-SVL-", p.name, lproto(p));
  }

  private firewallChain(p: ServicePortInfo): string {
    return serviceChainName("KUBE-FW-", p.name, lproto(p));
  }

  /** writeServiceToEndpointRules: affinity checks, then one statistic rule per endpoint, the last unconditional. */
  private serviceToEndpointRules(rules: Pick<string[], "push">, p: ServicePortInfo, chain: string, eps: readonly EndpointInfo[], sepOf: ReadonlyMap<string, string>, large: boolean): void {
    const n = eps.length, name = p.name;
    if (p.affinity) {
      for (const e of eps) {
        const c = large ? "" : ` -m comment --comment "${name} -> ${e.str}"`;
        const sep = sepOf.get(e.str)!;
        rules.push(`-A ${chain}${c} -m recent --name ${sep} --rcheck --seconds ${p.stickySeconds} --reap -j ${sep}`);
      }
    }
    for (let i = 0; i < n; i++) {
      const c = large ? "" : ` -m comment --comment "${name} -> ${eps[i].str}"`;
      const stat = i < n - 1 ? ` -m statistic --mode random --probability ${this.probability(n - i)}` : "";
      rules.push(`-A ${chain}${c}${stat} -j ${sepOf.get(eps[i].str)!}`);
    }
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
      `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${o.randomFully ? " --random-fully" : ""}`,
      `-A KUBE-MARK-MASQ -j MARK --or-mark ${mark}`,
    ];
    if (o.localhostNodePorts) {
      filterChains.push(":KUBE-FIREWALL - [0:0]");
      filterRules.push(`-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
    }
    const large = input.largeClusterMode;
    const active = input.existingNatChains ? new Set<string>() : undefined;
    const notLocal = `! -s ${formatCidr(o.clusterCIDR)}`, isLocalSrc = `-s ${formatCidr(o.clusterCIDR)}`;
    // A Service that did not change still has its KUBE-SERVICES, KUBE-NODEPORTS and filter rules written;
    // its own chains and rules are built as well but go to a discard buffer that only counts them
    // (skippedNatChains / skippedNatRules, a DiscardLineBuffer).
    const skipped = { lines: 0, push(...l: string[]) { return (this.lines += l.length); } };

    for (const p of input.services) {
      const c = input.categorize(p);
      const name = p.name;
      const { service: svc, external: ext } = this.names.of(p);
      const svl = p.externalPolicyLocal || p.internalPolicyLocal ? this.policyLocalChain(p) : "";
      const hasEndpoints = c.hasAny;
      const usesCluster = c.cluster.length > 0 && usesClusterEndpoints(p);
      const usesLocal = c.local.length > 0 && usesLocalEndpoints(p);
      const internalChain = p.internalPolicyLocal ? svl : svc;
      const hasInternal = hasEndpoints && !(p.internalPolicyLocal && c.local.length === 0);
      const externalPolicyChain = p.externalPolicyLocal ? svl : svc;
      const hasExternal = hasEndpoints && !(p.externalPolicyLocal && c.local.length === 0);
      const usesExt = hasEndpoints && externallyAccessible(p);
      const fw = hasEndpoints && p.loadBalancerIPStrs.length > 0 && p.loadBalancerSourceRanges.length > 0 ? this.firewallChain(p) : "";
      const lbChain = fw || ext;
      const noEp = `"${name} has no endpoints"`, noLocal = `"${name} has no local endpoints"`;
      const internalFilter = !hasEndpoints ? ["REJECT", noEp] : ["DROP", noLocal];
      const externalFilter = internalFilter;
      const match = `-m ${lproto(p)} -p ${lproto(p)}`;
      const dport = `--dport ${p.port}`;

      if (hasInternal) natRules.push(`-A KUBE-SERVICES -m comment --comment "${name} cluster IP" ${match} -d ${p.clusterIPStr} ${dport} -j ${internalChain}`);
      else filterRules.push(`-A KUBE-SERVICES -m comment --comment ${internalFilter[1]} ${match} -d ${p.clusterIPStr} ${dport} -j ${internalFilter[0]}`);
      for (const ip of p.externalIPStrs) {
        if (hasEndpoints) natRules.push(`-A KUBE-SERVICES -m comment --comment "${name} external IP" ${match} -d ${ip} ${dport} -j ${ext}`);
        if (!hasExternal) filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilter[1]} ${match} -d ${ip} ${dport} -j ${externalFilter[0]}`);
      }
      for (const ip of p.loadBalancerIPStrs) {
        if (hasEndpoints) natRules.push(`-A KUBE-SERVICES -m comment --comment "${name} loadbalancer IP" ${match} -d ${ip} ${dport} -j ${lbChain}`);
        if (fw) filterRules.push(`-A KUBE-PROXY-FIREWALL -m comment --comment "${name} traffic not accepted by ${fw}" ${match} -d ${ip} ${dport} -j DROP`);
      }
      if (!hasExternal) {
        for (const ip of p.loadBalancerIPStrs) filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilter[1]} ${match} -d ${ip} ${dport} -j ${externalFilter[0]}`);
      }
      if (p.nodePort !== 0) {
        if (hasEndpoints) {
          if (o.localhostNodePorts && o.nfacct) natRules.push(`-A KUBE-NODEPORTS -m comment --comment ${name} ${match} -d 127.0.0.0/8 --dport ${p.nodePort} -m nfacct --nfacct-name ${LOCALHOST_NODEPORT_NFACCT} -j ${ext}`);
          natRules.push(`-A KUBE-NODEPORTS -m comment --comment ${name} ${match} --dport ${p.nodePort} -j ${ext}`);
        }
        if (!hasExternal) filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilter[1]} -m addrtype --dst-type LOCAL ${match} --dport ${p.nodePort} -j ${externalFilter[0]}`);
      }
      if (p.healthCheckNodePort !== 0) {
        filterRules.push(`-A KUBE-NODEPORTS -m comment --comment "${name} health check node port" -m tcp -p tcp --dport ${p.healthCheckNodePort} -j ACCEPT`);
      }

      const write = input.full || input.changed.has(p.service);
      const chains = write ? natChains : skipped, rules = write ? natRules : skipped;
      const eps = c.allReachable;
      const seps = this.names.endpointsOf(p, eps, write);
      const sepOf = new Map(eps.map((e, i) => [e.str, seps[i]]));
      if (active) {
        if (usesExt) active.add(ext);
        if (fw) active.add(fw);
        if (usesCluster) active.add(svc);
        if (usesLocal) active.add(svl);
        for (const sep of seps) active.add(sep);
      }
      if (hasInternal) {
        const args = `-m comment --comment "${name} cluster IP" ${match} -d ${p.clusterIPStr} ${dport}`;
        if (o.masqueradeAll) rules.push(`-A ${internalChain} ${args} -j KUBE-MARK-MASQ`);
        else rules.push(`-A ${internalChain} ${args} ${notLocal} -j KUBE-MARK-MASQ`);
      }
      if (usesExt) {
        chains.push(`:${ext} - [0:0]`);
        if (!p.externalPolicyLocal) {
          rules.push(`-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`);
        } else {
          rules.push(
            `-A ${ext} -m comment --comment "pod traffic for ${name} external destinations" ${isLocalSrc} -j ${svc}`,
            `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
            `-A ${ext} -m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${svc}`,
          );
        }
        if (hasExternal) rules.push(`-A ${ext} -j ${externalPolicyChain}`);
      }
      if (fw) {
        chains.push(`:${fw} - [0:0]`);
        const args = `-A ${fw} -m comment --comment "${name} loadbalancer IP"`;
        let allowFromNode = false;
        for (const r of p.loadBalancerSourceRanges) {
          rules.push(`${args} -s ${r} -j ${ext}`);
          if (cidrContains(parseCidr(r), o.nodeIP)) allowFromNode = true;
        }
        if (allowFromNode) for (const ip of p.loadBalancerIPStrs) rules.push(`${args} -s ${ip} -j ${ext}`);
        rules.push(`-A ${fw} -m comment --comment "other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL"`);
      }
      if (usesCluster) {
        chains.push(`:${svc} - [0:0]`);
        this.serviceToEndpointRules(rules, p, svc, c.cluster, sepOf, large);
      }
      if (usesLocal) {
        chains.push(`:${svl} - [0:0]`);
        this.serviceToEndpointRules(rules, p, svl, c.local, sepOf, large);
      }
      const cm = large ? "" : ` -m comment --comment ${name}`;
      for (let i = 0; i < eps.length; i++) {
        const sep = seps[i], e = eps[i];
        chains.push(`:${sep} - [0:0]`);
        const recent = p.affinity ? ` -m recent --name ${sep} --set` : "";
        rules.push(`-A ${sep}${cm} -s ${e.ipStr} -j KUBE-MARK-MASQ`, `-A ${sep}${cm}${recent} ${match} -j DNAT --to-destination ${e.str}`);
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
    const last = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"`;
    if (o.nodePortIPs === undefined) {
      const dst = o.localhostNodePorts ? "" : " ! -d 127.0.0.0/8";
      natRules.push(`${last} -m addrtype --dst-type LOCAL${dst} -j KUBE-NODEPORTS`);
    } else {
      for (const ip of o.nodePortIPs) {
        if (ip >>> 24 === 127 && !o.localhostNodePorts) continue;
        natRules.push(`${last} -d ${formatIPv4(ip)} -j KUBE-NODEPORTS`);
      }
    }
    filterRules.push(
      `-A KUBE-FORWARD -m conntrack --ctstate INVALID${o.nfacct ? ` -m nfacct --nfacct-name ${CT_INVALID_NFACCT}` : ""} -j DROP`,
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`,
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    );
    const text = "*filter\n" + filterChains.join("\n") + "\n" + filterRules.join("\n") + "\nCOMMIT\n*nat\n" +
      natChains.join("\n") + "\n" + natRules.join("\n") + "\nCOMMIT\n";
    return { text, rules: filterRules.length + natRules.length - deleted, chainsCompared: compared };
  }
}
