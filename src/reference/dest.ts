// Plain-TS twin of assembly/dest.ts: the dests of one virtual service as columns by id (struct ip_vs_dest),
// the list svc->destinations newest first, trash for deleted dests that connections still hold, and the
// counter rules of ip_vs_conn.c (ip_vs_bind_dest / ip_vs_unbind_dest). Same ids, same arithmetic (u32).
import { NIL } from "../abi";
import {
  DEST_FIELDS as FIELDS,
  DestSpec,
  DestState,
  IP_VS_DEST_F_AVAILABLE,
  IP_VS_DEST_F_OVERLOAD,
  MAX_DESTS,
} from "../ipvs";

export { NIL };
type Field = (typeof FIELDS)[number];

export class TsDests {
  addr = new Uint32Array(8);
  port = new Uint32Array(8);
  weight = new Uint32Array(8);
  last_weight = new Uint32Array(8);
  activeconns = new Uint32Array(8);
  inactconns = new Uint32Array(8);
  flags = new Uint32Array(8);
  u_threshold = new Uint32Array(8);
  l_threshold = new Uint32Array(8);
  refcnt = new Uint32Array(8);
  /** svc->destinations: list position -> id. */
  order = new Uint32Array(8);
  num = 0;
  used = 0;
  private readonly spare: number[] = [];

  /** May take new connections: weight > 0 and not overloaded. */
  available(id: number): boolean {
    return this.weight[id] !== 0 && (this.flags[id] & IP_VS_DEST_F_OVERLOAD) === 0;
  }

  /** The record of id; zeros for an id never handed out. */
  state(id: number): DestState {
    const s = { id } as DestState;
    for (const f of FIELDS) s[f] = id < this.used ? this[f][id] : 0;
    return s;
  }

  posOf(id: number): number {
    for (let p = 0; p < this.num; p++) if (this.order[p] === id) return p;
    return NIL;
  }

  /** ip_vs_lookup_dest. */
  find(addr: number, port: number): number {
    for (let p = 0; p < this.num; p++) {
      const id = this.order[p];
      if (this.addr[id] === addr && this.port[id] === port) return id;
    }
    return NIL;
  }

  private trashFind(addr: number, port: number): number {
    for (let id = 0; id < this.used; id++) {
      if (
        (this.flags[id] & IP_VS_DEST_F_AVAILABLE) === 0 &&
        this.refcnt[id] !== 0 &&
        this.addr[id] === addr &&
        this.port[id] === port
      )
        return id;
    }
    return NIL;
  }

  private grow(): boolean {
    if (this.spare.length !== 0 || this.used < this.addr.length) return true;
    const cap = this.addr.length * 2;
    if (this.addr.length >= MAX_DESTS) return false;
    for (const f of [...FIELDS, "order"] as const) {
      const a = new Uint32Array(cap);
      a.set(this[f]);
      this[f] = a;
    }
    return true;
  }

  /** The settings part of __ip_vs_update_dest. */
  update(id: number, d: DestSpec, add: boolean): void {
    const uth = d.u_threshold ?? 0;
    if (add || d.weight !== 0) this.last_weight[id] = d.weight;
    this.weight[id] = d.weight;
    let flags = this.flags[id] | IP_VS_DEST_F_AVAILABLE;
    if (uth === 0 || uth > this.u_threshold[id]) flags &= ~IP_VS_DEST_F_OVERLOAD;
    this.flags[id] = flags;
    this.u_threshold[id] = uth;
    this.l_threshold[id] = d.l_threshold ?? 0;
  }

  /** ip_vs_add_dest: at the head of the list (a trashed one comes back); its id, or NIL when full. */
  link(d: DestSpec): number {
    let id = this.trashFind(d.addr, d.port);
    if (id === NIL) {
      if (!this.grow()) return NIL;
      id = this.spare.length !== 0 ? this.spare.pop()! : this.used++;
      for (const f of FIELDS) this[f][id] = 0;
      this.addr[id] = d.addr;
      this.port[id] = d.port;
    }
    this.update(id, d, true);
    this.order.copyWithin(1, 0, this.num);
    this.order[0] = id;
    this.num++;
    return id;
  }

  /** __ip_vs_unlink_dest. */
  unlink(pos: number): void {
    const id = this.order[pos];
    this.order.copyWithin(pos, pos + 1, this.num);
    this.num--;
    this.flags[id] &= ~IP_VS_DEST_F_AVAILABLE;
    if (this.refcnt[id] === 0) this.spare.push(id);
  }

  /** ip_vs_bind_dest (counted active at once); conn: a connection-table entry holds the dest. */
  bind(id: number, conn: boolean): void {
    if (conn) this.refcnt[id]++;
    this.activeconns[id]++;
    const active = this.activeconns[id];
    const uth = this.u_threshold[id];
    if (uth !== 0 && active + this.inactconns[id] >= uth) this.flags[id] |= IP_VS_DEST_F_OVERLOAD;
  }

  private decrement(f: Field, id: number): void {
    if (this[f][id] !== 0) this[f][id]--;
  }

  /** set_tcp_state leaving ESTABLISHED. */
  deactivate(id: number): void {
    this.decrement("activeconns", id);
    this.inactconns[id]++;
  }

  /** ip_vs_unbind_dest: counters, then OVERLOAD clears below l_threshold / 3/4 of u_threshold / at once. */
  unbind(id: number, inactive: boolean): void {
    this.decrement(inactive ? "inactconns" : "activeconns", id);
    const total = this.activeconns[id] + this.inactconns[id];
    const lth = this.l_threshold[id],
      uth = this.u_threshold[id];
    if (lth !== 0 ? total < lth : uth !== 0 ? total * 4 < uth * 3 : true) this.flags[id] &= ~IP_VS_DEST_F_OVERLOAD;
    const refs = this.refcnt[id];
    if (refs !== 0) {
      this.refcnt[id] = refs - 1;
      if (refs === 1 && (this.flags[id] & IP_VS_DEST_F_AVAILABLE) === 0) this.spare.push(id);
    }
  }

  setConns(id: number, active: number, inact: number, overloaded: boolean): void {
    this.activeconns[id] = active;
    this.inactconns[id] = inact;
    this.flags[id] = (this.flags[id] & ~IP_VS_DEST_F_OVERLOAD) | (overloaded ? IP_VS_DEST_F_OVERLOAD : 0);
  }
}
