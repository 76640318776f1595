// IPVS state as linux net/netfilter/ipvs/ip_vs_ctl.c keeps it when kube-proxy programs it over netlink:
// virtual services found by protocol, address and port in the service table (the WebAssembly
// svctable, fixed 256 buckets by default), each with its real servers and scheduler (the WebAssembly
// virtual services of src/wasm/ipvs.ts), and persistence templates for ClientIP affinity
// (ip_vs_core.c ip_vs_sched_persist; expire_quiescent_template=1 drops a template whose real server
// went to weight 0).
import { MISS } from "../../core";
import { NO_DEST, SchedulerName } from "../../ipvs";
import { WasmBatch } from "../../wasm/batch";
import { WasmService } from "../../wasm/ipvs";
import { KeyedKind, WasmKeyedTable } from "../../wasm/keyed";
import { Packet } from "../types";

export interface VirtualServer {
  readonly addr: number;
  readonly port: number;
  readonly proto: number;
  /** Persistence timeout (ms) for ClientIP affinity; 0: none. */
  persistMs: number;
  readonly svc: WasmService;
  /** Client address → real server addr:port and expiry (ms). */
  readonly templates: Map<number, { addr: number; port: number; until: number }>;
  /** What it belongs to ("namespace/name:port"). */
  readonly owner: string;
}

interface IpvsPick {
  readonly vs: VirtualServer;
  /** undefined: the virtual service has no real server to take it. */
  readonly dest?: { addr: number; port: number };
}

export class IpvsKernel {
  readonly table: WasmKeyedTable;
  private readonly slots: (VirtualServer | undefined)[] = [];
  private readonly free: number[] = [];
  private readonly batch = new WasmBatch(1);

  constructor(
    readonly kind: KeyedKind = "svctable-fixed",
    readonly scheduler: SchedulerName = "rr",
  ) {
    this.table = new WasmKeyedTable(kind);
  }

  get size(): number {
    return this.table.size;
  }

  /** IPVS_CMD_GET_SERVICE dump (GetVirtualServers): every virtual server. */
  listServices(): VirtualServer[] {
    const out: VirtualServer[] = [];
    for (const vs of this.slots) if (vs) out.push(vs);
    return out;
  }

  /** IPVS_CMD_GET_DEST dump (GetRealServers): a virtual server's real servers as "addr:port". */
  listDests(vs: VirtualServer): string[] {
    return vs.svc.ids().map((id) => {
      const d = vs.svc.addrPort(id);
      return `${d.addr}:${d.port}`;
    });
  }

  /** ip_vs_add_service. */
  addService(addr: number, port: number, proto: number, persistMs: number, owner: string): VirtualServer {
    const svc = new WasmService();
    if (this.scheduler !== "rr") svc.setScheduler(this.scheduler);
    const vs: VirtualServer = { addr, port, proto, persistMs, svc, templates: new Map(), owner };
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = vs;
    try {
      this.table.insert({ addr, port, proto, target: slot });
    } catch (err) {
      this.slots[slot] = undefined;
      this.free.push(slot);
      svc.dispose();
      throw err;
    }
    return vs;
  }

  /** ip_vs_del_service: its real servers go with it. */
  deleteService(vs: VirtualServer): void {
    const b = this.batch;
    b.daddr[0] = vs.addr;
    b.dport[0] = vs.port;
    b.proto[0] = vs.proto;
    this.table.lookup(b, 0, 1);
    const slot = b.out[0];
    this.table.delete(vs);
    if (slot !== MISS) {
      this.slots[slot] = undefined;
      this.free.push(slot);
    }
    vs.svc.dispose();
  }

  /** A new connection's first packet: service lookup, then persistence or the scheduler. */
  route(p: Packet, nowMs: number): IpvsPick | undefined {
    const b = this.batch;
    b.setPacket(0, p);
    this.table.lookup(b, 0, 1);
    const slot = b.out[0];
    if (slot === MISS) return undefined;
    const vs = this.slots[slot]!;
    if (vs.persistMs > 0) {
      const t = vs.templates.get(p.saddr);
      const id = t && t.until > nowMs ? vs.svc.findDest(t.addr, t.port) : undefined;
      if (t && id !== undefined && vs.svc.dest(id).weight > 0) {
        t.until = nowMs + vs.persistMs;
        return { vs, dest: { addr: t.addr, port: t.port } };
      }
      vs.templates.delete(p.saddr);
    }
    vs.svc.schedule(b, 0, 1, true);
    const id = b.out[0];
    if (id === NO_DEST) return { vs };
    const d = vs.svc.dest(id);
    if (vs.persistMs > 0) vs.templates.set(p.saddr, { addr: d.addr, port: d.port, until: nowMs + vs.persistMs });
    return { vs, dest: { addr: d.addr, port: d.port } };
  }

  dispose(): void {
    for (const vs of this.slots) vs?.svc.dispose();
    this.table.dispose();
    this.batch.dispose();
  }
}
