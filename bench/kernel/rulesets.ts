// kubernetes pkg/proxy/iptables/proxier.go (iptablesJumpChains, iptablesKubeletJumpChains) and
// pkg/proxy/nftables/proxier.go:
// the texts the kernel suite loads are the proxiers' own, for one seeded cluster of N Services × E pods
// (bench/sync.ts buildCluster), rendered in the order the kernel replays them: the first sync; a partial
// resync (one more pod behind one Service); a new Service, then its deletion; a full resync (one more
// pod, full sync), whose nftables twin also deletes the chains the deletion left flushed. Beside them,
// the jump rules kube-proxy ensures outside its restore text, and the Service whose rule sits last in
// KUBE-SERVICES (the one the first-packet probe connects to).
import { SvcbenchError } from "../../src/core";
import { IptablesProxier, SYNC_PERIOD_MS } from "../../src/proxy/iptables/proxier";
import { KubeProxy } from "../../src/proxy/kube-proxy";
import { NftablesProxier } from "../../src/proxy/nftables/proxier";
import { DEFAULT_MIN_SYNC_PERIOD_MS } from "../../src/proxy/sync-runner";
import { buildCluster, newService } from "../sync";

interface IptablesTexts {
  firstLoad: string;
  partialResync: string;
  addService: string;
  deleteService: string;
  fullResync: string;
}

interface NftTexts {
  firstLoad: string;
  addService: string;
  /** Its map elements deleted and its chains flushed (kube-proxy deletes the chains a sync later). */
  deleteService: string;
  /** The later sync's "delete chain" commands for them. */
  deleteChains: string;
}

/** The Service port the first-packet probe connects to. */
interface Probe {
  clusterIP: string;
  port: number;
  /** Its pods' IPs (the DNAT targets) and their port. */
  pods: string[];
  targetPort: number;
  /** nat KUBE-SERVICES rules a packet walks before reaching its rule. */
  rulesBefore: number;
}

export interface Rulesets {
  n: number;
  endpoints: number;
  iptables: IptablesTexts;
  nft: NftTexts;
  probe: Probe;
}

/**
 * The jump rules kube-proxy (and kubelet, KUBE-FIREWALL) ensure with EnsureRule(Prepend), as restore text for
 * --noflush.
 */
export const IPTABLES_JUMPS = [
  "*filter",
  ...[
    ["INPUT", "KUBE-EXTERNAL-SERVICES", "kubernetes externally-visible service portals", true],
    ["FORWARD", "KUBE-EXTERNAL-SERVICES", "kubernetes externally-visible service portals", true],
    ["INPUT", "KUBE-NODEPORTS", "kubernetes health check service ports", false],
    ["FORWARD", "KUBE-SERVICES", "kubernetes service portals", true],
    ["OUTPUT", "KUBE-SERVICES", "kubernetes service portals", true],
    ["FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules", false],
    ["INPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", true],
    ["OUTPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", true],
    ["FORWARD", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", true],
  ].map(
    ([from, to, comment, isNew]) =>
      `-I ${from}${isNew ? " -m conntrack --ctstate NEW" : ""} -m comment --comment "${comment}" -j ${to}`,
  ),
  "-I INPUT -j KUBE-FIREWALL",
  "-I OUTPUT -j KUBE-FIREWALL",
  "COMMIT",
  "*nat",
  `-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
  `-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
  `-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`,
  "COMMIT",
  "",
].join("\n");

/** The nat table's lines of an iptables-restore text. */
const natLines = (text: string) => text.slice(text.indexOf("*nat\n")).split("\n");

/** The last TCP ClusterIP rule of nat KUBE-SERVICES: its address, port, KUBE-SVC- chain and the rules before it. */
function lastTcpServiceRule(nat: string[]): { clusterIP: string; port: number; svc: string; rulesBefore: number } {
  const rules = nat.filter((l) => l.startsWith("-A KUBE-SERVICES "));
  const re = / cluster IP" -m tcp -p tcp -d (\S+) --dport (\d+) -j (KUBE-SVC-\S+)$/;
  let i = rules.length - 1;
  while (i >= 0 && !re.test(rules[i])) i--;
  if (i < 0) throw new SvcbenchError("the iptables text has no TCP ClusterIP rule in KUBE-SERVICES to probe");
  const [, clusterIP, port, svc] = re.exec(rules[i])!;
  return { clusterIP, port: Number(port), svc, rulesBefore: i };
}

/** In a full restore text: the last TCP ClusterIP rule of KUBE-SERVICES and the pods its KUBE-SEP- chains DNAT to. */
function lastServiceRule(fullText: string): Probe {
  const nat = natLines(fullText);
  const { clusterIP, port, svc, rulesBefore } = lastTcpServiceRule(nat);
  const seps = new Set(
    nat
      .filter((l) => l.startsWith(`-A ${svc} `) && / -j KUBE-SEP-\S+$/.test(l))
      .map((l) => l.slice(l.lastIndexOf(" ") + 1)),
  );
  const targets = [...seps].map((sep) => {
    const dnat = nat.find((l) => l.startsWith(`-A ${sep} `) && l.includes(" -j DNAT --to-destination "));
    if (!dnat) throw new SvcbenchError(`the iptables text has no DNAT rule in ${sep}`);
    return dnat.slice(dnat.lastIndexOf(" ") + 1);
  });
  if (targets.length === 0) throw new SvcbenchError(`the iptables text sends ${svc} to no endpoint`);
  return {
    clusterIP,
    port,
    pods: targets.map((t) => t.split(":")[0]),
    targetPort: Number(targets[0].split(":")[1]),
    rulesBefore,
  };
}

/** Every text of one cluster of n Services × e pods (seeded), as the iptables and nftables proxiers write them. */
export function renderRulesets(n: number, e: number, seed: number): Rulesets {
  const c = buildCluster(n, e, seed);
  const ipt = new IptablesProxier({ partial: true, keepText: true });
  const nft = new NftablesProxier({ keepText: true });
  const kps = [new KubeProxy(c.store, ipt), new KubeProxy(c.store, nft)];
  const sync = (waitMs = 2 * DEFAULT_MIN_SYNC_PERIOD_MS): [string, string] => {
    for (const kp of kps) {
      kp.now += waitMs;
      if (!kp.flush()) throw new SvcbenchError(`${kp.proxier.mode} had nothing to sync`);
    }
    return [ipt.lastText!, nft.lastText!];
  };
  try {
    for (const kp of kps) kp.flush();
    const [first, nftFirst] = [ipt.lastText!, nft.lastText!];
    c.store.createPod(c.workload.pod(0, "kernel-extra-0"));
    const [partialResync] = sync();
    const svc = newService(c, "kernel-new", e);
    svc.addPods();
    svc.addService();
    const [addService, nftAdd] = sync();
    svc.delete();
    // Past the iptables sync period: this sync's restore also deletes the Service's chains (-X).
    const [deleteService, nftDelete] = sync(SYNC_PERIOD_MS + 1);
    ipt.partial = false;
    c.store.createPod(c.workload.pod(1, "kernel-extra-1"));
    const [fullResync, nftNext] = sync();
    const deleteChains = nftNext
      .split("\n")
      .filter(
        (l, i, all) => l.startsWith("delete chain ") && all.slice(0, i).every((x) => x.startsWith("delete chain ")),
      );
    if (deleteChains.length === 0)
      throw new SvcbenchError("the nftables proxier deleted no stale chain a sync after the deletion");
    const probe = lastServiceRule(first);
    if (lastTcpServiceRule(natLines(deleteService)).clusterIP !== probe.clusterIP)
      throw new SvcbenchError("the last Service rule moved between syncs");
    return {
      n,
      endpoints: e,
      iptables: { firstLoad: first, partialResync, addService, deleteService, fullResync },
      nft: {
        firstLoad: nftFirst,
        addService: nftAdd,
        deleteService: nftDelete,
        deleteChains: deleteChains.join("\n") + "\n",
      },
      probe,
    };
  } finally {
    for (const kp of kps) kp.stop();
    ipt.dispose();
    nft.dispose();
    c.controller.stop();
  }
}
