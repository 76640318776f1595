// The ipvs proxier (kubernetes pkg/proxy/ipvs/proxier.go, graceful_termination.go; kube-proxy v1.35.0): per
// service port a
// virtual server for the ClusterIP, the LoadBalancer IP and node IP:NodePort, real servers = ready
// endpoints at weight 1, the addresses bound to kube-ipvs0 and listed in ipsets. Changes are
// incremental: add or delete a virtual server, add a real server, and a real server that goes away
// is deleted at once if nothing uses it (or it is UDP/SCTP), else set to weight 0 and retried
// every minute until its connections are gone; one that comes back meanwhile is deleted and added again.
// kube-proxy's ipvs proxier has no partial sync: every sync runs "for svcPortName, svcPort := range
// proxier.svcPortMap" over every service port, and for each of its virtual servers syncService
// (GetVirtualServer) and syncEndpoint (GetVirtualServer, GetRealServers, proxy.CategorizeEndpoints, the
// diff of current and wanted real servers); cleanLegacyService compares the GetVirtualServers dump taken
// once per sync with the active ones. The model does the same visits and counts those netlink calls; it
// writes only what differs. The ClusterIP's virtual server uses the Local endpoints under
// internalTrafficPolicy Local, the external ones under externalTrafficPolicy Local.
import { formatIPv4 } from "../../cluster/ip";
import { IPPROTO_TCP, IPPROTO_UDP } from "../../core";
import { SchedulerName } from "../../ipvs";
import { KeyedKind } from "../../wasm/keyed";
import { ProxierBase, UpdateResult } from "../base";
import { DEFAULT_NODE, NodeConfig } from "../node";
import { lproto, ServicePortInfo } from "../service-port";
import { Packet, Route, SyncStats } from "../types";
import { IpvsKernel, VirtualServer } from "./kernel";

/** rsCheckDeleteInterval. */
const GRACE_CHECK_MS = 60_000;

interface Want {
  addr: number;
  port: number;
  proto: number;
  persistMs: number;
  owner: string;
  ipset: string;
  bind: boolean;
  dests: readonly { ip: number; port: number }[];
}

interface Applied {
  vs: VirtualServer;
  ipset: string;
  bind: boolean;
  /** addr:port → terminating (weight 0, waiting for its connections). */
  dests: Map<string, boolean>;
}

const destKey = (addr: number, port: number) => `${addr}:${port}`;

export class IpvsProxier extends ProxierBase {
  readonly mode = "ipvs";
  readonly kernel: IpvsKernel;
  private readonly node: NodeConfig;
  private readonly applied = new Map<string, Map<string, Applied>>();
  private readonly bound = new Map<number, number>();
  private readonly terminating = new Set<{ a: Applied; addr: number; port: number }>();
  private lastGraceCheck = 0;
  private ops: string[] = [];

  constructor(opts: { node?: NodeConfig; table?: KeyedKind; scheduler?: SchedulerName } = {}) {
    super();
    this.node = opts.node ?? DEFAULT_NODE;
    this.nodeName = this.node.nodeName;
    this.kernel = new IpvsKernel(opts.table ?? "svctable-fixed", opts.scheduler ?? "rr");
  }

  private vsName(w: { addr: number; port: number; proto: number }): string {
    const flag = w.proto === IPPROTO_TCP ? "-t" : w.proto === IPPROTO_UDP ? "-u" : "--sctp-service";
    return `${flag} ${formatIPv4(w.addr)}:${w.port}`;
  }

  /** The virtual servers of a port, named once per ServicePortInfo (a changed Service brings a new one). */
  private readonly shapes = new WeakMap<ServicePortInfo, { k: string; w: Omit<Want, "dests">; external: boolean }[]>();

  private wants(p: ServicePortInfo): [string, Want][] {
    const c = this.visit(p);
    let shapes = this.shapes.get(p);
    if (!shapes) {
      const persistMs = p.affinity ? p.stickySeconds * 1000 : 0;
      const base = { proto: p.proto, persistMs, owner: p.name };
      const all: { w: Omit<Want, "dests">; external: boolean }[] = [
        { w: { ...base, addr: p.clusterIP, port: p.port, ipset: "KUBE-CLUSTER-IP", bind: true }, external: false },
      ];
      for (const a of p.externalIPs)
        all.push({ w: { ...base, addr: a, port: p.port, ipset: "KUBE-EXTERNAL-IP", bind: true }, external: true });
      for (const a of p.loadBalancerIPs)
        all.push({ w: { ...base, addr: a, port: p.port, ipset: "KUBE-LOAD-BALANCER", bind: true }, external: true });
      if (p.nodePort !== 0)
        all.push({
          w: {
            ...base,
            addr: this.node.nodeIP,
            port: p.nodePort,
            ipset: `KUBE-NODE-PORT-${lproto(p).toUpperCase()}`,
            bind: false,
          },
          external: true,
        });
      this.shapes.set(p, (shapes = all.map((x) => ({ ...x, k: this.vsName(x.w) }))));
    }
    const internal = p.internalPolicyLocal ? c.local : c.cluster,
      external = p.externalPolicyLocal ? c.local : c.cluster;
    // syncEndpoint categorizes the endpoints once per virtual server; visit counted the first.
    this.work.endpointsCategorized += (shapes.length - 1) * this.endpointsOf(p).length;
    return shapes.map((s) => [s.k, { ...s.w, dests: s.external ? external : internal }]);
  }

  protected syncRules(u: UpdateResult, full: boolean, nowMs: number): SyncStats {
    this.ops = [];
    const listed = this.kernel.listServices(); // GetVirtualServers, once
    this.work.netlinkCalls++;
    this.work.objectsCompared += listed.length;
    const services = new Set([...this.portsByService.keys(), ...this.applied.keys()]);
    for (const svc of services) {
      const want = new Map<string, Want>();
      for (const p of this.portsByService.get(svc) ?? []) for (const [k, w] of this.wants(p)) want.set(k, w);
      const have = this.applied.get(svc) ?? new Map<string, Applied>();
      for (const [k, a] of have) if (!want.has(k)) this.removeService(k, a);
      const now = new Map<string, Applied>();
      for (const [k, w] of want) now.set(k, this.syncService(k, w, have.get(k)));
      if (now.size > 0) this.applied.set(svc, now);
      else this.applied.delete(svc);
    }
    if (nowMs - this.lastGraceCheck >= GRACE_CHECK_MS) this.tick(nowMs);
    const bytes = this.ops.reduce((s, l) => s + l.length + 1, 0);
    for (const l of this.ops) if (l.startsWith("-")) this.work.netlinkCalls++; // each IPVS add, edit or delete
    return {
      full,
      services: full ? services.size : u.changed.size,
      rulesWritten: this.ops.length,
      bytesWritten: bytes,
    };
  }

  /** syncService + syncEndpoint for one virtual server. */
  private syncService(k: string, w: Want, a: Applied | undefined): Applied {
    this.work.netlinkCalls += 3; // GetVirtualServer (syncService); GetVirtualServer and GetRealServers (syncEndpoint)
    this.work.objectsCompared += 1 + (a ? this.kernel.listDests(a.vs).length : 0) + w.dests.length;
    const ipset = `${formatIPv4(w.addr)},${k.startsWith("-t") ? "tcp" : k.startsWith("-u") ? "udp" : "sctp"}:${w.port}`;
    if (!a) {
      a = {
        vs: this.kernel.addService(w.addr, w.port, w.proto, w.persistMs, w.owner),
        ipset: w.ipset,
        bind: w.bind,
        dests: new Map(),
      };
      this.ops.push(
        `-A ${k} -s ${this.kernel.scheduler}${w.persistMs > 0 ? ` -p ${w.persistMs / 1000}` : ""}`,
        `add ${w.ipset} ${ipset}`,
      );
      if (w.bind) this.bindAddr(w.addr);
    } else if (a.vs.persistMs !== w.persistMs) {
      a.vs.persistMs = w.persistMs;
      a.vs.templates.clear();
      this.ops.push(`-E ${k} -s ${this.kernel.scheduler}${w.persistMs > 0 ? ` -p ${w.persistMs / 1000}` : ""}`);
    }
    const keep = new Set<string>();
    for (const e of w.dests) {
      const d = { addr: e.ip, port: e.port };
      const dk = destKey(d.addr, d.port);
      keep.add(dk);
      const term = a.dests.get(dk);
      if (term === undefined) {
        a.vs.svc.addDest({ addr: d.addr, port: d.port, weight: 1 });
        this.ops.push(`-a ${k} -r ${formatIPv4(d.addr)}:${d.port} -m -w 1`);
      } else if (term) {
        // In the graceful-delete list: MoveRSOutofGracefulDeleteList deletes it (DeleteRealServer), then
        // AddRealServer adds it again; ip_vs_add_dest revives it from the trash, counters and all.
        for (const t of this.terminating)
          if (t.a === a && t.addr === d.addr && t.port === d.port) this.terminating.delete(t);
        const old = a.vs.svc.dest(a.vs.svc.findDest(d.addr, d.port)!);
        a.vs.svc.delDest(d.addr, d.port);
        a.vs.svc.addDest({ addr: d.addr, port: d.port, weight: 1 });
        a.vs.svc.setConns(a.vs.svc.findDest(d.addr, d.port)!, old.activeconns, old.inactconns, false);
        this.ops.push(
          `-d ${k} -r ${formatIPv4(d.addr)}:${d.port}`,
          `-a ${k} -r ${formatIPv4(d.addr)}:${d.port} -m -w 1`,
        );
      }
      a.dests.set(dk, false);
    }
    for (const [dk, term] of a.dests) {
      if (keep.has(dk) || term) continue;
      const [addr, port] = dk.split(":").map(Number);
      this.gracefulDelete(k, w.proto, a, addr, port);
    }
    return a;
  }

  /** GracefulDeleteRS: delete now when nothing uses it (or UDP/SCTP), else weight 0 and retry later. */
  private gracefulDelete(k: string, proto: number, a: Applied, addr: number, port: number): void {
    const id = a.vs.svc.findDest(addr, port)!;
    const d = a.vs.svc.dest(id);
    if (proto !== IPPROTO_TCP || d.activeconns + d.inactconns === 0) {
      a.vs.svc.delDest(addr, port);
      a.dests.delete(destKey(addr, port));
      this.ops.push(`-d ${k} -r ${formatIPv4(addr)}:${port}`);
      return;
    }
    a.vs.svc.editDest({ addr, port, weight: 0 });
    a.dests.set(destKey(addr, port), true);
    this.terminating.add({ a, addr, port });
    this.ops.push(`-e ${k} -r ${formatIPv4(addr)}:${port} -m -w 0`);
  }

  private removeService(k: string, a: Applied): void {
    for (const t of this.terminating) if (t.a === a) this.terminating.delete(t);
    this.kernel.deleteService(a.vs);
    this.ops.push(
      `-D ${k}`,
      `del ${a.ipset} ${formatIPv4(a.vs.addr)},${k.startsWith("-t") ? "tcp" : k.startsWith("-u") ? "udp" : "sctp"}:${a.vs.port}`,
    );
    if (a.bind) this.unbindAddr(a.vs.addr);
  }

  /** kube-ipvs0: one /32 per service address, shared by its ports. */
  private bindAddr(addr: number): void {
    const n = this.bound.get(addr) ?? 0;
    if (n === 0) this.ops.push(`ip addr add ${formatIPv4(addr)}/32 dev kube-ipvs0`);
    this.bound.set(addr, n + 1);
  }

  private unbindAddr(addr: number): void {
    const n = (this.bound.get(addr) ?? 1) - 1;
    if (n === 0) {
      this.bound.delete(addr);
      this.ops.push(`ip addr del ${formatIPv4(addr)}/32 dev kube-ipvs0`);
    } else this.bound.set(addr, n);
  }

  /** The graceful-termination worker: real servers at weight 0 whose connections are gone are deleted. */
  tick(nowMs: number): number {
    this.lastGraceCheck = nowMs;
    let deleted = 0;
    for (const t of this.terminating) {
      const id = t.a.vs.svc.findDest(t.addr, t.port);
      const d = id === undefined ? undefined : t.a.vs.svc.dest(id);
      if (d && d.activeconns + d.inactconns > 0) continue;
      if (d) t.a.vs.svc.delDest(t.addr, t.port);
      t.a.dests.delete(destKey(t.addr, t.port));
      this.terminating.delete(t);
      deleted++;
    }
    return deleted;
  }

  /** Every connection through these real servers ends (as their timeouts would end them). */
  closeConnections(): void {
    for (const m of this.applied.values()) {
      for (const a of m.values()) for (const id of a.vs.svc.ids()) a.vs.svc.setConns(id, 0, 0, false);
    }
  }

  /** Real servers at weight 0 waiting for their connections. */
  get terminatingCount(): number {
    return this.terminating.size;
  }

  protected override nodeConfig(): NodeConfig {
    return this.node;
  }

  route(p: Packet, nowMs: number): Route {
    const pick = this.kernel.route(p, nowMs);
    if (!pick) return { verdict: "pass" };
    if (!pick.dest) return { verdict: "reject", service: pick.vs.owner }; // ip_vs_leave: ICMP port unreachable
    return { verdict: "dnat", service: pick.vs.owner, endpoint: `${formatIPv4(pick.dest.addr)}:${pick.dest.port}` };
  }

  dispose(): void {
    this.kernel.dispose();
  }
}
