// Source: cilium pkg/service/service.go and bpf/lib/lb.h; its maps as linux kernel/bpf/hashtab.c keeps them.
// The ebpf mode: Cilium's kube-proxy replacement as its agent programs Services (cilium
// pkg/service/service.go UpsertService/DeleteService over pkg/maps/lbmap/lbmap.go) and its datapath
// picks a backend (cilium bpf/lib/lb.h lb4_lookup_service, lb4_select_backend_id, lb4_lookup_backend;
// bpf/bpf_sock.c __sock4_xlate_fwd). No min-sync-period: every change is programmed as it comes (one sync
// per change). A frontend per ClusterIP:port, LoadBalancer IP:port and node IP:NodePort, each with its
// own rev_nat_index; backends get ids shared by every frontend that uses them. Upserting a frontend writes
// its backends, with Maglev its table of M ids whole, every backend slot, then slot 0 with the count,
// then deletes the slots past the count: what UpsertService writes. A frontend with no backend keeps
// slot 0 with count 0: new connections to it are refused (--service-no-backend-response=reject).
// ClientIP affinity follows LB4_AFFINITY_MAP (client address → backend id while used within the timeout,
// and only while the frontend still lists that backend). Not modelled: the reverse-NAT maps, health
// checking, the NodePort wildcard (address 0) frontend, externalTrafficPolicy=Local scopes.
import { SvcbenchError } from "../../core";
import { formatIPv4 } from "../../cluster/ip";
import { Key } from "../../ebpf/htab";
import { LB_MAP_MAX_ENTRIES, lb4Key, MAGLEV_DEFAULT_M, maglevOrder, maglevSeeds } from "../../ebpf/lb4";
import { maglevPick } from "../../reference/ebpf/maglev";
import { WasmMaglev } from "../../wasm/ebpf";
import { Rng } from "../../util/rng";
import { ProxierBase, UpdateResult } from "../base";
import { Categorized, categorizeEndpoints } from "../categorize";
import { DEFAULT_NODE, NodeConfig } from "../node";
import { EndpointInfo, ServicePortInfo } from "../service-port";
import { Packet, Route, SyncStats } from "../types";
import { LbMaps } from "./lbmap";

/** maxSetOfServiceID (cilium pkg/loadbalancer): the exclusive upper bound of service (frontend) IDs. */
export const MAX_SERVICE_ID = 0xffff;
/** SVC_FLAG_AFFINITY (bpf/lib/common.h). */
const SVC_FLAG_AFFINITY = 1 << 4;
/** Most bytes of Maglev tables the model holds (Cilium's maps hold frontends × M × 4 bytes). */
const MAGLEV_BUDGET_BYTES = 2 ** 30;

interface EbpfOptions {
  node?: NodeConfig;
  /** Keep each sync's map writes as `bpftool batch` lines (lastText). */
  keepText?: boolean;
  /** --bpf-lb-algorithm: random (Cilium's default) or maglev. */
  algorithm?: "random" | "maglev";
  /** --bpf-lb-maglev-table-size. */
  maglevM?: number;
  /** --bpf-lb-map-max: the lb4 maps' max_entries. */
  mapMax?: number;
}

interface Frontend {
  key: Key;
  revNat: number;
  port: ServicePortInfo;
  /** Backend ids in slot order. */
  slots: number[];
}

const frontendId = (k: Key) => k.join(":");
/** The endpoints a frontend's backends come from: cluster-wide, ready ones first, terminating ones only when none is ready. */
const backendEndpoints = (c: Categorized) => (c.cluster.length > 0 ? c.cluster : c.allReachable);
const tooManyFrontends = () =>
  new SvcbenchError(
    `ebpf: more than ${MAX_SERVICE_ID - 1} frontends (Cilium's service IDs, rev_nat_index, are 16 bits)`,
  );

export class EbpfProxier extends ProxierBase {
  readonly mode: "ebpf" | "ebpf-maglev";
  /** No min-sync-period: KubeProxy runs a sync for every change. */
  readonly minSyncPeriodMs = 0;
  readonly maps: LbMaps;
  private readonly node: NodeConfig;
  private readonly rng: Rng;
  private readonly maglevM: number;
  private readonly seeds = maglevSeeds();
  private maglev?: WasmMaglev;
  /** Service → its frontends as the maps hold them. */
  private readonly applied = new Map<string, Map<string, Frontend>>();
  private readonly byRevNat = new Map<number, Frontend>();
  private readonly backendIds = new Map<string, { id: number; refs: number }>();
  private readonly backendKeys = new Map<number, string>();
  private readonly freeRevNat: number[] = [];
  private nextRevNat = 1;
  private nextBackend = 1;
  /** LB4_AFFINITY_MAP: rev_nat_index . client address → backend id and last use (ms). */
  private readonly affinity = new Map<string, { id: number; used: number }>();
  lastText?: string;
  private lastWrites!: SyncStats;

  constructor(readonly opts: EbpfOptions = {}) {
    super();
    this.mode = opts.algorithm === "maglev" ? "ebpf-maglev" : "ebpf";
    this.node = opts.node ?? DEFAULT_NODE;
    this.rng = new Rng(this.node.seed);
    this.maglevM = opts.maglevM ?? MAGLEV_DEFAULT_M;
    this.maps = new LbMaps(opts.mapMax ?? LB_MAP_MAX_ENTRIES, 0x5eed1234, opts.keepText === true);
  }

  private wants(p: ServicePortInfo): Key[] {
    const out = [lb4Key(p.clusterIP, p.port, p.proto)];
    for (const ip of [...p.loadBalancerIPs, ...p.externalIPs]) out.push(lb4Key(ip, p.port, p.proto));
    if (p.nodePort !== 0) out.push(lb4Key(this.node.nodeIP, p.nodePort, p.proto));
    return out;
  }

  protected syncRules(u: UpdateResult, full: boolean): SyncStats {
    const services = full ? new Set([...this.portsByService.keys(), ...this.applied.keys()]) : u.changed;
    if (full) this.checkCapacity();
    try {
      for (const svc of services) {
        const want = new Map<string, { key: Key; port: ServicePortInfo }>();
        for (const p of this.portsByService.get(svc) ?? [])
          for (const key of this.wants(p)) want.set(frontendId(key), { key, port: p });
        const have = this.applied.get(svc) ?? new Map<string, Frontend>();
        for (const [id, f] of have)
          if (!want.has(id)) {
            this.deleteFrontend(f);
            have.delete(id);
          }
        for (const [id, w] of want) have.set(id, this.upsertFrontend(have.get(id), w.key, w.port));
        if (have.size > 0) this.applied.set(svc, have);
        else this.applied.delete(svc);
      }
    } finally {
      const w = this.maps.take();
      if (this.opts.keepText) this.lastText = w.text;
      this.lastWrites = { full, services: services.size, rulesWritten: w.ops, bytesWritten: w.bytes };
    }
    return this.lastWrites;
  }

  /**
   * A full sync that cannot fit is refused before it writes anything: more frontends than service IDs,
   * or Maglev tables past the budget. upsertFrontend and maglevIds check the same limits as the maps
   * fill, but would reach them only after building every table below the limit.
   */
  private checkCapacity(): void {
    let frontends = 0,
      tables = 0;
    for (const ports of this.portsByService.values()) {
      for (const p of ports) {
        const n = this.wants(p).length;
        frontends += n;
        if (this.mode === "ebpf-maglev" && backendEndpoints(categorizeEndpoints(this.endpointsOf(p), p)).length > 0)
          tables += n;
      }
    }
    // The last table is built while the others are held; the tables (M ids each) pass the budget long
    // before the frontends run out of service IDs.
    if (this.maglevPastBudget(tables - 1)) throw this.maglevBudgetError(tables - 1);
    if (frontends >= MAX_SERVICE_ID) throw tooManyFrontends();
  }

  private maglevPastBudget(held: number): boolean {
    return held * this.maglevM * 4 > MAGLEV_BUDGET_BYTES;
  }

  private maglevBudgetError(held: number): SvcbenchError {
    return new SvcbenchError(
      `ebpf-maglev: Maglev tables of ${this.maglevM} entries for over ${held} frontends pass ${MAGLEV_BUDGET_BYTES / 2 ** 30} GiB`,
    );
  }

  private acquireBackend(e: EndpointInfo, proto: number): number {
    const k = `${e.str}/${proto}`,
      b = this.backendIds.get(k);
    if (b) {
      b.refs++;
      return b.id;
    }
    const id = this.nextBackend++;
    this.maps.updateBackend(id, [e.ip >>> 0, (e.port & 0xffff) | (proto << 16), 0]);
    this.backendIds.set(k, { id, refs: 1 });
    this.backendKeys.set(id, k);
    return id;
  }

  private upsertFrontend(old: Frontend | undefined, key: Key, p: ServicePortInfo): Frontend {
    const revNat = old?.revNat ?? this.freeRevNat.pop() ?? this.nextRevNat++;
    // The service ID allocator hands out 1 .. maxSetOfServiceID - 1 (0xFFFF, exclusive): rev_nat_index is 16 bits.
    if (revNat >= MAX_SERVICE_ID) throw tooManyFrontends();
    const eps = backendEndpoints(this.visit(p));
    const slots = eps.map((e) => this.acquireBackend(e, p.proto));
    if (this.mode === "ebpf-maglev") {
      if (eps.length > 0) this.maps.updateMaglev(revNat, this.maglevIds(eps, slots));
      else this.maps.deleteMaglev(revNat);
    }
    slots.forEach((id, i) => this.maps.updateService(lb4Key(key[0], key[1] & 0xffff, key[2], i + 1), [id, 0, 0]));
    const flags = p.affinity ? SVC_FLAG_AFFINITY : 0;
    this.maps.updateService(key, [p.affinity ? p.stickySeconds : 0, (slots.length | (revNat << 16)) >>> 0, flags]);
    for (let i = slots.length + 1; i <= (old?.slots.length ?? 0); i++)
      this.maps.deleteService(lb4Key(key[0], key[1] & 0xffff, key[2], i));
    // The old slots' references go after the new ones are taken: a backend still listed stays.
    for (const id of old?.slots ?? []) this.dropRef(id);
    const f = { key, revNat, port: p, slots };
    this.byRevNat.set(revNat, f);
    return f;
  }

  private dropRef(id: number): void {
    const k = this.backendKeys.get(id);
    const b = k === undefined ? undefined : this.backendIds.get(k);
    if (!b || --b.refs > 0) return;
    this.backendIds.delete(k!);
    this.backendKeys.delete(id);
    this.maps.deleteBackend(id);
  }

  private maglevIds(eps: readonly EndpointInfo[], slots: number[]): Uint32Array {
    const sorted = maglevOrder(eps.map((e, i) => ({ addr: e.ip, port: e.port, id: slots[i] })));
    if (this.maglevPastBudget(this.maps.maglev.size)) throw this.maglevBudgetError(this.maps.maglev.size);
    if (this.maglev) this.maglev.rebuild(sorted);
    else this.maglev = new WasmMaglev(this.maglevM, sorted, this.seeds);
    const pos = this.maglev.entries();
    for (let c = 0; c < pos.length; c++) pos[c] = sorted[pos[c]].id;
    return pos;
  }

  private deleteFrontend(f: Frontend): void {
    for (let i = 1; i <= f.slots.length; i++) this.maps.deleteService(lb4Key(f.key[0], f.key[1] & 0xffff, f.key[2], i));
    this.maps.deleteService(f.key);
    if (this.mode === "ebpf-maglev") this.maps.deleteMaglev(f.revNat);
    for (const id of f.slots) this.dropRef(id);
    this.byRevNat.delete(f.revNat);
    this.freeRevNat.push(f.revNat);
  }

  /** The datapath for a new connection: lb4_lookup_service, affinity, lb4_select_backend_id, lb4_lookup_backend. */
  route(p: Packet, nowMs: number): Route {
    const key = lb4Key(p.daddr, p.dport, p.proto);
    const svc = this.maps.services.lookup(key);
    if (!svc) return { verdict: "pass" };
    const count = svc[1] & 0xffff,
      revNat = svc[1] >>> 16,
      f = this.byRevNat.get(revNat);
    const name = f?.port.name ?? "?";
    if (count === 0) return { verdict: "reject", service: name };
    const affKey = `${revNat}.${p.saddr}`;
    let id = 0;
    if (svc[2] & SVC_FLAG_AFFINITY) {
      const a = this.affinity.get(affKey);
      if (a && a.used + svc[0] * 1000 > nowMs && f?.slots.includes(a.id)) id = a.id;
      else this.affinity.delete(affKey);
    }
    if (id === 0) {
      const table = this.maps.maglev.get(revNat);
      if (this.mode === "ebpf-maglev" && table)
        id = maglevPick(table, p.saddr, p.sport, p.dport, p.proto, this.seeds.jhash4);
      else id = this.maps.services.lookup(lb4Key(p.daddr, p.dport, p.proto, (this.rng.u32() % count) + 1))?.[0] ?? 0;
    }
    const be = this.maps.backends.lookup([id, 0, 0]);
    if (!be) return { verdict: "drop" }; // DROP_NO_SERVICE
    if (svc[2] & SVC_FLAG_AFFINITY) this.affinity.set(affKey, { id, used: nowMs });
    return { verdict: "dnat", service: name, endpoint: `${formatIPv4(be[0])}:${be[1] & 0xffff}` };
  }

  dispose(): void {
    this.maglev?.dispose();
    this.maps.dispose();
  }
}
