// The per-service-port nat chains of kubernetes pkg/proxy/iptables/proxier.go syncProxyRules (kube-proxy v1.35.0):
// what the loop works out for a port (its chain names, which of them carry traffic), then its chains in the
// loop's order: internal masquerade, KUBE-EXT- (Local policy: pod and node traffic short-circuited), KUBE-FW-
// (source ranges), KUBE-SVC-, KUBE-SVL- ("-m statistic --mode random --probability" 1/(n-i) with 10 decimals, the
// last rule unconditional), KUBE-SEP-.
import { cidrContains, formatCidr, parseCidr } from "../../cluster/ip";
import { EndpointInfo, lproto, ServicePortInfo } from "../service-port";
import { ChainNameCache } from "../chain-cache";
import { endpointChainName, serviceChainName } from "../chain-names";
import { Categorized, endpointUse } from "../categorize";
import { IptablesOptions } from "./options";

/** A buffer, or the discard buffer of a Service this partial sync does not write. */
export type LineSink = Pick<string[], "push">;

/** One service port as the loop sees it before writing: its chain names and which of them carry traffic. */
export interface PortPlan {
  readonly p: ServicePortInfo;
  readonly c: Categorized;
  /** KUBE-SVC-, KUBE-EXT-, KUBE-SVL- ("" without Local policy), KUBE-FW- ("" without source ranges). */
  readonly svc: string;
  readonly ext: string;
  readonly svl: string;
  readonly fw: string;
  readonly hasEndpoints: boolean;
  readonly usesCluster: boolean;
  readonly usesLocal: boolean;
  readonly internalChain: string;
  readonly hasInternal: boolean;
  readonly externalPolicyChain: string;
  readonly hasExternal: boolean;
  readonly usesExt: boolean;
  /**
   * The filter verdict and comment without (local) endpoints: REJECT "has no endpoints" or DROP "has no local
   * endpoints".
   */
  readonly filter: readonly [string, string];
  readonly match: string;
  readonly dport: string;
}

/** One service port's own chains: their names, what the loop plans for them, and their rules. */
export class PortChains {
  private readonly probabilities: string[] = [];
  /** KUBE-SVC-/KUBE-EXT- by portProtoHash, KUBE-SEP- by servicePortEndpointChainName. */
  readonly names = new ChainNameCache(
    (p) => ({
      service: serviceChainName("KUBE-SVC-", p.name, lproto(p)),
      external: serviceChainName("KUBE-EXT-", p.name, lproto(p)),
    }),
    (p, e) => endpointChainName(p.name, lproto(p), e.str),
  );
  /** Source matches of the cluster CIDR: traffic from outside it, and pod traffic. */
  private readonly notLocal: string;
  private readonly isLocalSrc: string;

  constructor(private readonly opts: IptablesOptions) {
    this.isLocalSrc = `-s ${formatCidr(opts.clusterCIDR)}`;
    this.notLocal = `! ${this.isLocalSrc}`;
  }

  /** KUBE-SVL-… (Local policy) and KUBE-FW-… (source ranges): few Services have them, computed when used. */
  private policyLocalChain(p: ServicePortInfo): string {
    return serviceChainName("KUBE-SVL-", p.name, lproto(p));
  }

  private firewallChain(p: ServicePortInfo): string {
    return serviceChainName("KUBE-FW-", p.name, lproto(p));
  }

  /** writeServiceToEndpointRules: affinity checks, then one statistic rule per endpoint, the last unconditional. */
  private serviceToEndpointRules(
    rules: Pick<string[], "push">,
    p: ServicePortInfo,
    chain: string,
    eps: readonly EndpointInfo[],
    sepOf: ReadonlyMap<string, string>,
    large: boolean,
  ): void {
    const n = eps.length,
      name = p.name;
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

  /** What the loop works out for a service port before it writes: its chains and which of them it uses. */
  plan(p: ServicePortInfo, c: Categorized): PortPlan {
    const { service: svc, external: ext } = this.names.of(p);
    const svl = p.externalPolicyLocal || p.internalPolicyLocal ? this.policyLocalChain(p) : "";
    const hasEndpoints = c.hasAny;
    const fw =
      hasEndpoints && p.loadBalancerIPStrs.length > 0 && p.loadBalancerSourceRanges.length > 0
        ? this.firewallChain(p)
        : "";
    return {
      p,
      c,
      svc,
      ext,
      svl,
      fw,
      ...endpointUse(p, c),
      internalChain: p.internalPolicyLocal ? svl : svc,
      externalPolicyChain: p.externalPolicyLocal ? svl : svc,
      filter: !hasEndpoints
        ? ["REJECT", `"${p.name} has no endpoints"`]
        : ["DROP", `"${p.name} has no local endpoints"`],
      match: `-m ${lproto(p)} -p ${lproto(p)}`,
      dport: `--dport ${p.port}`,
    };
  }

  /**
   * The port's own nat chains in the loop's order: internal masquerade, KUBE-EXT-, KUBE-FW-, KUBE-SVC-,
   * KUBE-SVL-, KUBE-SEP-.
   */
  write(
    chains: LineSink,
    rules: LineSink,
    v: PortPlan,
    write: boolean,
    active: Set<string> | undefined,
    large: boolean,
  ): void {
    const { p, c } = v;
    const eps = c.allReachable;
    const seps = this.names.endpointsOf(p, eps, write);
    const sepOf = new Map(eps.map((e, i) => [e.str, seps[i]]));
    if (active) {
      if (v.usesExt) active.add(v.ext);
      if (v.fw) active.add(v.fw);
      if (v.usesCluster) active.add(v.svc);
      if (v.usesLocal) active.add(v.svl);
      for (const sep of seps) active.add(sep);
    }
    if (v.hasInternal) {
      const args = `-m comment --comment "${p.name} cluster IP" ${v.match} -d ${p.clusterIPStr} ${v.dport}`;
      rules.push(
        `-A ${v.internalChain} ${args}${this.opts.masqueradeAll ? "" : ` ${this.notLocal}`} -j KUBE-MARK-MASQ`,
      );
    }
    if (v.usesExt) this.externalChain(chains, rules, v);
    if (v.fw) this.firewallRules(chains, rules, v);
    if (v.usesCluster) {
      chains.push(`:${v.svc} - [0:0]`);
      this.serviceToEndpointRules(rules, p, v.svc, c.cluster, sepOf, large);
    }
    if (v.usesLocal) {
      chains.push(`:${v.svl} - [0:0]`);
      this.serviceToEndpointRules(rules, p, v.svl, c.local, sepOf, large);
    }
    const cm = large ? "" : ` -m comment --comment ${p.name}`;
    for (let i = 0; i < eps.length; i++) {
      const sep = seps[i],
        e = eps[i];
      chains.push(`:${sep} - [0:0]`);
      const recent = p.affinity ? ` -m recent --name ${sep} --set` : "";
      rules.push(
        `-A ${sep}${cm} -s ${e.ipStr} -j KUBE-MARK-MASQ`,
        `-A ${sep}${cm}${recent} ${v.match} -j DNAT --to-destination ${e.str}`,
      );
    }
  }

  /**
   * KUBE-EXT-: masquerade, or under Local policy pod and node traffic short-circuited to KUBE-SVC-; then the
   * policy chain.
   */
  private externalChain(chains: LineSink, rules: LineSink, v: PortPlan): void {
    const { ext, svc, p } = v,
      name = p.name;
    chains.push(`:${ext} - [0:0]`);
    if (!p.externalPolicyLocal) {
      rules.push(
        `-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`,
      );
    } else {
      rules.push(
        `-A ${ext} -m comment --comment "pod traffic for ${name} external destinations" ${this.isLocalSrc} -j ${svc}`,
        `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
        `-A ${ext} -m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${svc}`,
      );
    }
    if (v.hasExternal) rules.push(`-A ${ext} -j ${v.externalPolicyChain}`);
  }

  /**
   * KUBE-FW-: the source ranges (and the LoadBalancer IPs when a range holds the node), the rest left to
   * KUBE-PROXY-FIREWALL.
   */
  private firewallRules(chains: LineSink, rules: LineSink, v: PortPlan): void {
    const { fw, ext, p } = v;
    chains.push(`:${fw} - [0:0]`);
    const args = `-A ${fw} -m comment --comment "${p.name} loadbalancer IP"`;
    let allowFromNode = false;
    for (const r of p.loadBalancerSourceRanges) {
      rules.push(`${args} -s ${r} -j ${ext}`);
      if (cidrContains(parseCidr(r), this.opts.nodeIP)) allowFromNode = true;
    }
    if (allowFromNode) for (const ip of p.loadBalancerIPStrs) rules.push(`${args} -s ${ip} -j ${ext}`);
    rules.push(`-A ${fw} -m comment --comment "other traffic to ${p.name} will be dropped by KUBE-PROXY-FIREWALL"`);
  }
}
