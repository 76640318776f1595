// The nftables proxier (kubernetes pkg/proxy/nftables/proxier.go, kube-proxy v1.35.0): one transaction per
// sync. The first
// (full) sync sets up the table and writes every Service; later syncs write only changed Services:
// their chains are re-added and flushed and their rules rewritten, their map and set elements diffed
// (nftElementStorage: delete what went away or changed, add what is new). Chains no longer used are
// flushed now and deleted by a later sync, at least a second on (kernels before 6.2 see the last
// map reference go late). What the kernel holds is remembered only once a transaction applied; a
// failed one leaves it as it was (the next sync is full), a failed stale-chain deletion is retried.
// Every sync visits every service port ("for svcName, svc := range proxier.svcPortMap": CategorizeEndpoints,
// ensureChain, nftElementStorage.ensureElem) and lists the table's chains and sets; "skipServiceUpdate :=
// tryPartialSync && !serviceUpdateResult.UpdatedServices.Has(...) && !endpointUpdateResult.UpdatedServices.Has(...)"
// skips only an unchanged Service's chain and rule writes.
import { SvcbenchError } from "../../core";
import { Rng } from "../../util/rng";
import { SERVICE_CIDR_BASE } from "../../workload/cluster";
import { ProxierBase, UpdateResult } from "../base";
import { DEFAULT_NODE, isLocalAddress, LOOPBACK, NodeConfig, nodePortIPs } from "../node";
import { Packet, Route, SyncStats } from "../types";
import { walkRoute } from "../walk-route";
import { NftRenderer } from "./render";
import { NftRuleset, TABLE } from "./ruleset";
import { NftWalker } from "./walk";

/** How long a stale chain waits before deletion. */
const STALE_CHAIN_DELAY_MS = 1000;

/** One Service's elements, chains, affinity sets and port names, as a transaction leaves them. */
interface Remembered {
  svc: string;
  elems: Map<string, string>;
  chains: Set<string>;
  sets: Set<string>;
  ports: string[];
}

/** The element's identity: container and key (its value may change). */
const NO_ELEMENTS: ReadonlyMap<string, string> = new Map();

/** One sync's transaction as it is built, in nft's order, and what to remember once it applies. */
interface Transaction {
  chainOps: string[];
  delElems: string[];
  addElems: string[];
  rules: string[];
  /** Chains flushed and affinity sets deleted: what the changed Services no longer use. */
  tail: string[];
  /** What the kernel will hold once the transaction applies; remembered only if it does. */
  next: Remembered[];
  flushed: string[];
  used: string[];
}

export class NftablesProxier extends ProxierBase {
  readonly mode = "nftables";
  readonly ruleset = new NftRuleset();
  readonly renderer: NftRenderer;
  private readonly walker: NftWalker;
  private readonly elements = new Map<string, Map<string, string>>();
  private readonly chains = new Map<string, Set<string>>();
  private readonly affinitySets = new Map<string, Set<string>>();
  private readonly staleChains = new Map<string, number>();
  /** Stale-chain deletions that failed (NFTablesCleanupFailuresTotal); the chains wait for the next try. */
  cleanupFailures = 0;
  /** The last sync's transactions (stale-chain deletion first, if any), when kept. */
  lastText?: string;

  private readonly node: NodeConfig;

  constructor(readonly opts: { node?: NodeConfig; keepText?: boolean } = {}) {
    super();
    const node = (this.node = opts.node ?? DEFAULT_NODE);
    this.nodeName = node.nodeName;
    this.renderer = new NftRenderer({
      clusterCIDR: node.clusterCIDR,
      serviceCIDR: node.serviceCIDR ?? { base: SERVICE_CIDR_BASE, bits: 12 },
      nodeIP: node.nodeIP,
      masqueradeMark: 0x4000,
      masqueradeAll: node.masqueradeAll,
      nodePortIPs: nodePortIPs(node)?.filter((a) => a !== LOOPBACK), // no localhost NodePorts in nftables
    });
    this.walker = new NftWalker(this.ruleset, new Rng(node.seed), (a) => isLocalAddress(node, a));
  }

  protected syncRules(u: UpdateResult, full: boolean, nowMs: number): SyncStats {
    const pre = this.deleteStaleChains(nowMs);
    const head: string[] = full ? this.renderer.setup() : [];
    const tx: Transaction = {
      chainOps: [],
      delElems: [],
      addElems: [],
      rules: [],
      tail: [],
      next: [],
      flushed: [],
      used: [],
    };
    // Every Service is visited (kube-proxy's loop over svcPortMap); one that changed, or every one in a
    // full sync, has its chains added and flushed and its rules written (skipServiceUpdate skips the rest).
    // Elements are compared for all (nftElementStorage.ensureElem), so an unchanged Service writes nothing.
    const services = new Set([...this.portsByService.keys(), ...this.chains.keys(), ...this.elements.keys()]);
    let written = 0;
    for (const svc of services) {
      if (!full && !u.changed.has(svc) && this.unchanged(svc)) continue;
      written++;
      this.writeService(svc, full, tx);
    }
    // nftables.List("chains") and List("sets"): every listed chain and set is compared with the active ones.
    this.work.objectsCompared += this.ruleset.chains.size + this.ruleset.sets.size;
    // One transaction; its lines are handed over as a list (a first sync of a million endpoints is
    // longer than one JavaScript string may be), the bytes counted as the text nft -f would read.
    const lines = [...head, ...tx.chainOps, ...tx.delElems, ...tx.addElems, ...tx.rules, ...tx.tail];
    const commands = pre.commands + this.ruleset.apply(lines);
    if (full) this.elements.clear();
    for (const r of tx.next) this.remember(r);
    for (const c of tx.used) this.staleChains.delete(c);
    for (const c of tx.flushed) this.staleChains.set(c, nowMs);
    let bytes = pre.text.length;
    for (const l of lines) bytes += l.length + 1;
    if (this.opts.keepText) this.lastText = pre.text + lines.join("\n") + "\n";
    return { full, services: written, rulesWritten: commands, bytesWritten: bytes };
  }

  /** The chains flushed at least STALE_CHAIN_DELAY_MS ago, deleted in a transaction of their own. */
  private deleteStaleChains(nowMs: number): { commands: number; text: string } {
    const stale = [...this.staleChains].filter(([, t]) => t <= nowMs - STALE_CHAIN_DELAY_MS).map(([c]) => c);
    if (stale.length === 0) return { commands: 0, text: "" };
    for (const c of stale) this.staleChains.delete(c);
    const text = stale.map((c) => `delete chain ${TABLE} ${c}`).join("\n") + "\n";
    try {
      return { commands: this.ruleset.apply(text), text };
    } catch (err) {
      if (!(err instanceof SvcbenchError)) throw err;
      // "Unable to delete stale chains; will retry later": they still exist, so they are stale again.
      this.cleanupFailures++;
      for (const c of stale) this.staleChains.set(c, nowMs);
      return { commands: 0, text: "" };
    }
  }

  /**
   * One Service's part of the transaction: its chains added and flushed, its elements' changes, its rules,
   * what goes.
   */
  private writeService(svc: string, full: boolean, tx: Transaction): void {
    const t = TABLE;
    const ports = this.portsByService.get(svc) ?? [];
    const wantElems = new Map<string, string>();
    const wantChains = new Set<string>(),
      wantSets = new Set<string>();
    for (const p of ports) {
      const plan = this.renderer.plan(p, this.visit(p));
      const eps = plan.c.allReachable;
      for (const [k, e] of this.renderer.elements(p, plan)) wantElems.set(k, e);
      const bases = this.renderer.names.endpointsOf(p, eps);
      for (const c of this.renderer.chains(plan, bases)) wantChains.add(c);
      if (p.affinity) for (const b of bases) wantSets.add(`affinity-${b}`);
      tx.rules.push(...this.renderer.rules(p, plan, new Map(eps.map((e, i) => [e.str, `endpoint-${bases[i]}`]))));
    }
    this.work.objectsCompared += wantElems.size + wantChains.size;
    for (const c of wantChains) {
      tx.chainOps.push(`add chain ${t} ${c}`, `flush chain ${t} ${c}`);
      tx.used.push(c);
    }
    // setup flushed every map and set: a full sync adds every element again.
    const had = full ? new Map<string, string>() : (this.elements.get(svc) ?? new Map<string, string>());
    for (const [k, e] of had) if (wantElems.get(k) !== e) tx.delElems.push(`delete element ${k} }`);
    for (const [k, e] of wantElems) if (had.get(k) !== e) tx.addElems.push(`add element ${e}`);
    for (const c of this.chains.get(svc) ?? []) {
      if (wantChains.has(c)) continue;
      tx.tail.push(`flush chain ${t} ${c}`);
      tx.flushed.push(c);
    }
    for (const s of this.affinitySets.get(svc) ?? []) if (!wantSets.has(s)) tx.tail.push(`delete set ${t} ${s}`);
    tx.next.push({ svc, elems: wantElems, chains: wantChains, sets: wantSets, ports: ports.map((p) => p.name) });
  }

  /**
   * A Service that did not change, visited as kube-proxy's loop visits it (skipServiceUpdate): its ports'
   * endpoints categorized, its chains ensured and its elements compared with what the kernel holds
   * (ensureElem). True when they all match, so nothing is written; false sends it down the write path.
   */
  private unchanged(svc: string): boolean {
    const had = this.elements.get(svc) ?? NO_ELEMENTS,
      chains = this.chains.get(svc);
    const ports = this.portsByService.get(svc) ?? [];
    const seen = ports.length > 1 ? new Set<string>() : undefined; // ports of one Service share its cluster-ips element
    let matched = 0,
      same = true,
      nChains = 0;
    for (const p of ports) {
      const plan = this.renderer.plan(p, this.visit(p));
      for (const [k, e] of this.renderer.elements(p, plan)) {
        this.work.objectsCompared++;
        if (had.get(k) !== e) same = false;
        else if (!seen?.has(k)) {
          matched++;
          seen?.add(k);
        }
      }
      for (const c of this.renderer.chains(plan, this.renderer.names.endpointsOf(p, plan.c.allReachable, false))) {
        this.work.objectsCompared++;
        nChains++;
        if (!chains?.has(c)) same = false;
      }
    }
    return same && matched === had.size && nChains === (chains?.size ?? 0);
  }

  private remember({ svc, elems, chains, sets, ports }: Remembered): void {
    this.renderer.names.retain(svc, ports);
    const put = <T>(m: Map<string, T>, v: T, keep: boolean) => (keep ? m.set(svc, v) : m.delete(svc));
    put(this.elements, elems, elems.size > 0);
    put(this.chains, chains, chains.size > 0);
    put(this.affinitySets, sets, sets.size > 0);
  }

  protected override nodeConfig(): NodeConfig {
    return this.node;
  }

  route(p: Packet, nowMs: number): Route {
    return walkRoute(this.walker.route(p, nowMs), this.renderer.names);
  }

  /** Chains flushed and waiting for deletion. */
  get staleChainCount(): number {
    return this.staleChains.size;
  }

  dispose(): void {
    this.walker.dispose();
    this.ruleset.dispose();
  }
}
