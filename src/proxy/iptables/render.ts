// The iptables-restore text of kubernetes pkg/proxy/iptables/proxier.go syncProxyRules (kube-proxy v1.35.0), line
// for line in its layout: filter and nat tables; KUBE-SERVICES with one rule per service port and KUBE-NODEPORTS
// last; KUBE-SVC-/KUBE-EXT-/KUBE-SEP- chains; "-m statistic --mode random --probability" 1/(n-i) with
// 10 decimals, the last rule unconditional; KUBE-MARK-MASQ; filter REJECT for no endpoints. A partial
// sync writes only the changed Services' chains (the rest go to a discard buffer) but KUBE-SERVICES whole.
// Per port, as its loop does: CategorizeEndpoints; the ClusterIP, external IP and load-balancer IP rules
// (KUBE-FW- first with source ranges); NodePort rules (a 127.0.0.0/8 one counted by nfacct when the
// counters exist); "has no endpoints" REJECT or "has no local endpoints" DROP; the health-check NodePort;
// then the port's own chains, KUBE-EXT-, KUBE-FW-, KUBE-SVC-, KUBE-SVL-, KUBE-SEP- (port-chains.ts).
import { formatIPv4 } from "../../cluster/ip";
import { CT_INVALID_NFACCT, IptablesOptions, LOCALHOST_NODEPORT_NFACCT, Rendered, RenderInput } from "./options";
import { PortChains, PortPlan } from "./port-chains";

/** The four parts of one restore text, as syncProxyRules keeps them. */
interface Buffers {
  filterChains: string[];
  filterRules: string[];
  natChains: string[];
  natRules: string[];
}

export class IptablesRenderer {
  private readonly portChains: PortChains;
  /** KUBE-SVC-/KUBE-EXT- by portProtoHash, KUBE-SEP- by servicePortEndpointChainName. */
  readonly names: PortChains["names"];
  private readonly mark: string;

  constructor(readonly opts: IptablesOptions) {
    this.mark = `0x${opts.masqueradeMark.toString(16)}`;
    this.portChains = new PortChains(opts);
    this.names = this.portChains.names;
  }

  /** The statistic rules' probability for n endpoints left (PortChains.probability). */
  probability(n: number): string {
    return this.portChains.probability(n);
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
      const plan = this.portChains.plan(p, input.categorize(p));
      this.serviceRules(b, plan);
      const write = input.full || input.changed.has(p.service);
      this.portChains.write(
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
