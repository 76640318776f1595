// The iptables-restore text of kubernetes pkg/proxy/iptables/proxier.go syncProxyRules (kube-proxy v1.35.0), line
// for line in its layout: filter and nat tables; KUBE-SERVICES with one rule per service port and KUBE-NODEPORTS
// last; KUBE-SVC-/KUBE-EXT-/KUBE-SEP- chains; "-m statistic --mode random --probability" 1/(n-i) with
// 10 decimals, the last rule unconditional; KUBE-MARK-MASQ; filter REJECT for no endpoints. A partial
// sync writes only the changed Services' chains (the rest go to a discard buffer) but KUBE-SERVICES whole.
// Per port, as its loop does: CategorizeEndpoints; the ClusterIP, external IP and load-balancer IP rules
// (KUBE-FW- first with source ranges); NodePort rules (a 127.0.0.0/8 one counted by nfacct when the
// counters exist); "has no endpoints" REJECT or "has no local endpoints" DROP; the health-check NodePort;
// then KUBE-EXT- (Local policy: pod and node traffic short-circuited), KUBE-FW-, KUBE-SVC-, KUBE-SVL-, KUBE-SEP-.
import { cidrContains, formatCidr, formatIPv4, parseCidr } from "../../cluster/ip";
import { EndpointInfo, lproto, ServicePortInfo } from "../service-port";
import { ChainNameCache } from "../chain-cache";
import { endpointChainName, serviceChainName } from "../chain-names";
import { Categorized, endpointUse } from "../categorize";
import { CT_INVALID_NFACCT, IptablesOptions, LOCALHOST_NODEPORT_NFACCT, Rendered, RenderInput } from "./options";

/** The four parts of one restore text, as syncProxyRules keeps them. */
interface Buffers {
  filterChains: string[];
  filterRules: string[];
  natChains: string[];
  natRules: string[];
}
/** A buffer, or the discard buffer of a Service this partial sync does not write. */
type LineSink = Pick<string[], "push">;

/** One service port as the loop sees it before writing: its chain names and which of them carry traffic. */
interface PortPlan {
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

export class IptablesRenderer {
  private readonly probabilities: string[] = [];
  /** KUBE-SVC-/KUBE-EXT- by portProtoHash, KUBE-SEP- by servicePortEndpointChainName. */
  readonly names = new ChainNameCache(
    (p) => ({
      service: serviceChainName("KUBE-SVC-", p.name, lproto(p)),
      external: serviceChainName("KUBE-EXT-", p.name, lproto(p)),
    }),
    (p, e) => endpointChainName(p.name, lproto(p), e.str),
  );
  private readonly mark: string;
  /** Source matches of the cluster CIDR: traffic from outside it, and pod traffic. */
  private readonly notLocal: string;
  private readonly isLocalSrc: string;

  constructor(readonly opts: IptablesOptions) {
    this.mark = `0x${opts.masqueradeMark.toString(16)}`;
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

  /** syncProxyRules, section by section in its order: the base chains, then per service port its
   * KUBE-SERVICES and filter rules and its own chains, then stale chains, the NodePorts jump, KUBE-FORWARD. */
  render(input: RenderInput): Rendered {
    const b = this.baseChains();
    const active = input.existingNatChains ? new Set<string>() : undefined;
    // A Service that did not change still has its KUBE-SERVICES, KUBE-NODEPORTS and filter rules written;
    // its own chains and rules are built as well but go to a discard buffer that only counts them
    // (skippedNatChains / skippedNatRules, a DiscardLineBuffer).
    const skipped = {
      lines: 0,
      push(...l: string[]) {
        return (this.lines += l.length);
      },
    };
    for (const p of input.services) {
      const plan = this.plan(p, input.categorize(p));
      this.serviceRules(b, plan);
      const write = input.full || input.changed.has(p.service);
      this.serviceChains(
        write ? b.natChains : skipped,
        write ? b.natRules : skipped,
        plan,
        write,
        active,
        input.largeClusterMode,
      );
    }
    const { deleted, compared } = this.deleteStaleChains(b, input.existingNatChains, active);
    this.nodePortsJump(b.natRules);
    this.forwardRules(b.filterRules);
    const text =
      "*filter\n" +
      b.filterChains.join("\n") +
      "\n" +
      b.filterRules.join("\n") +
      "\nCOMMIT\n*nat\n" +
      b.natChains.join("\n") +
      "\n" +
      b.natRules.join("\n") +
      "\nCOMMIT\n";
    return { text, rules: b.filterRules.length + b.natRules.length - deleted, chainsCompared: compared };
  }

  /** The chains every sync declares, KUBE-POSTROUTING's masquerade, KUBE-MARK-MASQ, KUBE-FIREWALL's localnet guard. */
  private baseChains(): Buffers {
    const o = this.opts,
      mark = this.mark;
    const b: Buffers = {
      filterChains: [
        ":KUBE-SERVICES - [0:0]",
        ":KUBE-EXTERNAL-SERVICES - [0:0]",
        ":KUBE-FORWARD - [0:0]",
        ":KUBE-NODEPORTS - [0:0]",
        ":KUBE-PROXY-FIREWALL - [0:0]",
      ],
      filterRules: [],
      natChains: [
        ":KUBE-SERVICES - [0:0]",
        ":KUBE-NODEPORTS - [0:0]",
        ":KUBE-POSTROUTING - [0:0]",
        ":KUBE-MARK-MASQ - [0:0]",
      ],
      natRules: [
        `-A KUBE-POSTROUTING -m mark ! --mark ${mark}/${mark} -j RETURN`,
        `-A KUBE-POSTROUTING -j MARK --xor-mark ${mark}`,
        `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${o.randomFully ? " --random-fully" : ""}`,
        `-A KUBE-MARK-MASQ -j MARK --or-mark ${mark}`,
      ],
    };
    if (o.localhostNodePorts) {
      b.filterChains.push(":KUBE-FIREWALL - [0:0]");
      b.filterRules.push(
        `-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 ` +
          "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
      );
    }
    return b;
  }

  /** What the loop works out for a service port before it writes: its chains and which of them it uses. */
  private plan(p: ServicePortInfo, c: Categorized): PortPlan {
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
   * The port's rules in KUBE-SERVICES, KUBE-NODEPORTS and the filter table: ClusterIP, external IPs,
   * LoadBalancer IPs, NodePort, health check.
   */
  private serviceRules(b: Buffers, v: PortPlan): void {
    const { p, match, dport, ext, fw, filter, hasEndpoints, hasExternal } = v,
      name = p.name,
      o = this.opts;
    const lbChain = fw || ext;
    if (v.hasInternal)
      b.natRules.push(
        `-A KUBE-SERVICES -m comment --comment "${name} cluster IP" ${match} -d ${p.clusterIPStr} ${dport} -j ${v.internalChain}`,
      );
    else
      b.filterRules.push(
        `-A KUBE-SERVICES -m comment --comment ${filter[1]} ${match} -d ${p.clusterIPStr} ${dport} -j ${filter[0]}`,
      );
    for (const ip of p.externalIPStrs) {
      if (hasEndpoints)
        b.natRules.push(
          `-A KUBE-SERVICES -m comment --comment "${name} external IP" ${match} -d ${ip} ${dport} -j ${ext}`,
        );
      if (!hasExternal)
        b.filterRules.push(
          `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${filter[1]} ${match} -d ${ip} ${dport} -j ${filter[0]}`,
        );
    }
    for (const ip of p.loadBalancerIPStrs) {
      if (hasEndpoints)
        b.natRules.push(
          `-A KUBE-SERVICES -m comment --comment "${name} loadbalancer IP" ${match} -d ${ip} ${dport} -j ${lbChain}`,
        );
      if (fw)
        b.filterRules.push(
          `-A KUBE-PROXY-FIREWALL -m comment --comment "${name} traffic not accepted by ${fw}" ${match} -d ${ip} ${dport} -j DROP`,
        );
    }
    if (!hasExternal) {
      for (const ip of p.loadBalancerIPStrs)
        b.filterRules.push(
          `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${filter[1]} ${match} -d ${ip} ${dport} -j ${filter[0]}`,
        );
    }
    if (p.nodePort !== 0) {
      if (hasEndpoints) {
        if (o.localhostNodePorts && o.nfacct) {
          b.natRules.push(
            `-A KUBE-NODEPORTS -m comment --comment ${name} ${match} -d 127.0.0.0/8 --dport ${p.nodePort} ` +
              `-m nfacct --nfacct-name ${LOCALHOST_NODEPORT_NFACCT} -j ${ext}`,
          );
        }
        b.natRules.push(`-A KUBE-NODEPORTS -m comment --comment ${name} ${match} --dport ${p.nodePort} -j ${ext}`);
      }
      if (!hasExternal) {
        b.filterRules.push(
          `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${filter[1]} -m addrtype --dst-type LOCAL ${match} --dport ${p.nodePort} -j ${filter[0]}`,
        );
      }
    }
    if (p.healthCheckNodePort !== 0) {
      b.filterRules.push(
        `-A KUBE-NODEPORTS -m comment --comment "${name} health check node port" -m tcp -p tcp --dport ${p.healthCheckNodePort} -j ACCEPT`,
      );
    }
  }

  /**
   * The port's own nat chains in the loop's order: internal masquerade, KUBE-EXT-, KUBE-FW-, KUBE-SVC-,
   * KUBE-SVL-, KUBE-SEP-.
   */
  private serviceChains(
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

  /** Stale service chains iptables-save listed: declared and deleted (-X); how many were compared. */
  private deleteStaleChains(
    b: Buffers,
    existing: Iterable<string> | undefined,
    active: Set<string> | undefined,
  ): { deleted: number; compared: number } {
    let deleted = 0,
      compared = 0;
    if (!existing || !active) return { deleted, compared };
    for (const chain of existing) {
      compared++;
      if (active.has(chain) || !/^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain)) continue;
      b.natChains.push(`:${chain} - [0:0]`);
      b.natRules.push(`-X ${chain}`);
      deleted++;
    }
    return { deleted, compared };
  }

  /**
   * The last rule of KUBE-SERVICES: local destinations (or each --nodeport-addresses address) jump to
   * KUBE-NODEPORTS.
   */
  private nodePortsJump(natRules: string[]): void {
    const o = this.opts;
    const last = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"`;
    if (o.nodePortIPs === undefined) {
      const dst = o.localhostNodePorts ? "" : " ! -d 127.0.0.0/8";
      natRules.push(`${last} -m addrtype --dst-type LOCAL${dst} -j KUBE-NODEPORTS`);
      return;
    }
    for (const ip of o.nodePortIPs) {
      if (ip >>> 24 === 127 && !o.localhostNodePorts) continue;
      natRules.push(`${last} -d ${formatIPv4(ip)} -j KUBE-NODEPORTS`);
    }
  }

  /** KUBE-FORWARD: drop INVALID, accept marked traffic and established flows. */
  private forwardRules(filterRules: string[]): void {
    const mark = this.mark;
    filterRules.push(
      `-A KUBE-FORWARD -m conntrack --ctstate INVALID${this.opts.nfacct ? ` -m nfacct --nfacct-name ${CT_INVALID_NFACCT}` : ""} -j DROP`,
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`,
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    );
  }
}
