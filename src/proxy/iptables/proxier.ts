// The iptables proxier (kubernetes pkg/proxy/iptables/proxier.go): every sync renders
// iptables-restore text and restores it. Full sync (the only kind before MinimizeIPTablesRestore,
// KEP-3453) writes every chain; partial sync writes KUBE-SERVICES and the changed Services' chains.
// Stale chains are deleted after an iptables-save, in large clusters at most once per syncPeriod.
// Every sync, full or partial, runs syncProxyRules' "for svcName, svc := range proxier.svcPortMap" loop
// over every service port with proxy.CategorizeEndpoints; a partial sync only sends an unchanged
// Service's chains to skippedNatChains / skippedNatRules ("if !doFullSync && !...UpdatedServices.Has").
import { ProxierBase, UpdateResult } from "../base";
import { DEFAULT_SYNC_PERIOD_MS } from "../sync-runner";
import { DEFAULT_NODE, isLocalAddress, NodeConfig, nodePortIPs } from "../node";
import { Packet, Route, SyncStats } from "../types";
import { walkRoute } from "../walk-route";
import { Rng } from "../../util/rng";
import { SvcbenchError } from "../../core";
import { IptablesOptions, LARGE_CLUSTER_ENDPOINTS, Rendered } from "./options";
import { IptablesRenderer } from "./render";
import { IptablesTables } from "./tables";
import { IptablesWalker, MASQUERADE_MARK } from "./walk";

/** kube-proxy --iptables-sync-period default. */
export const SYNC_PERIOD_MS = DEFAULT_SYNC_PERIOD_MS;

interface IptablesProxierOptions {
  /** The MinimizeIPTablesRestore feature: partial syncs. */
  readonly partial: boolean;
  readonly node?: NodeConfig;
  /** Keep the last restore text (tests, the kernel calibration). */
  readonly keepText?: boolean;
  readonly localhostNodePorts?: boolean;
  /** iptables has MASQUERADE --random-fully (default true; kube-proxy's test fake has not). */
  readonly randomFully?: boolean;
  /** The nfacct counters exist (default false: the model kernel has no nfacct; kube-proxy's test fake has them). */
  readonly nfacct?: boolean;
}

export class IptablesProxier extends ProxierBase {
  readonly tables = new IptablesTables();
  readonly renderer: IptablesRenderer;
  private readonly walker: IptablesWalker;
  private readonly node: NodeConfig;
  private lastCleanupMs = -Infinity;
  /** The text of the last restore, when kept. */
  lastText?: string;
  /** MinimizeIPTablesRestore: may be switched between syncs (the kernel state is the same either way). */
  partial: boolean;

  constructor(private readonly opts: IptablesProxierOptions) {
    super();
    this.partial = opts.partial;
    this.node = opts.node ?? DEFAULT_NODE;
    this.nodeName = this.node.nodeName;
    const o: IptablesOptions = {
      clusterCIDR: this.node.clusterCIDR,
      masqueradeMark: MASQUERADE_MARK,
      localhostNodePorts: opts.localhostNodePorts ?? true,
      nodeIP: this.node.nodeIP,
      masqueradeAll: this.node.masqueradeAll,
      randomFully: opts.randomFully ?? true,
      nfacct: opts.nfacct ?? false,
      nodePortIPs: nodePortIPs(this.node),
    };
    this.renderer = new IptablesRenderer(o);
    this.walker = new IptablesWalker(this.tables, new Rng(this.node.seed), (a) => isLocalAddress(this.node, a));
  }

  get mode(): "iptables-full" | "iptables-partial" {
    return this.partial ? "iptables-partial" : "iptables-full";
  }

  protected syncRules(u: UpdateResult, needFull: boolean, nowMs: number): SyncStats {
    const full = needFull || !this.partial;
    let totalEndpoints = 0;
    for (const eps of this.endpointsMap.values()) totalEndpoints += eps.length;
    const largeClusterMode = totalEndpoints > LARGE_CLUSTER_ENDPOINTS;
    const cleanup = !largeClusterMode || nowMs - this.lastCleanupMs > SYNC_PERIOD_MS;
    let r: Rendered;
    try {
      r = this.renderer.render({
        services: this.svcPortMap.values(),
        categorize: (p) => this.visit(p),
        full,
        changed: u.changed,
        existingNatChains: cleanup ? this.tables.listChains("nat") : undefined,
        largeClusterMode,
      });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw new SvcbenchError(
        `${this.mode}: the restore text for ${this.svcPortMap.size} service ports and ${totalEndpoints} endpoints is longer than a JavaScript string can be (${err.message})`,
      );
    }
    this.work.objectsCompared += r.chainsCompared;
    this.tables.restore(r.text);
    if (cleanup) this.lastCleanupMs = nowMs;
    if (this.opts.keepText) this.lastText = r.text;
    for (const svc of u.changed)
      this.renderer.names.retain(
        svc,
        (u.portsByService.get(svc) ?? []).map((p) => p.name),
      );
    return {
      full,
      services: full ? this.portsByService.size : u.changed.size,
      rulesWritten: r.rules,
      bytesWritten: r.text.length,
    };
  }

  protected override nodeConfig(): NodeConfig {
    return this.node;
  }

  route(p: Packet, nowMs: number): Route {
    const v = this.walker.route(p, nowMs);
    return walkRoute(v, this.renderer.names, v.comment?.replace(/ has no endpoints$/, ""));
  }

  dispose(): void {
    this.walker.dispose();
    this.tables.dispose();
  }
}
