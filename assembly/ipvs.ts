// The IPVS virtual service ABI: ipvsadm's -A/-E/-D and -a/-e/-d as calls (linux
// net/netfilter/ipvs/ip_vs_ctl.c: ip_vs_add_service, ip_vs_edit_service, ip_vs_add_dest,
// ip_vs_edit_dest, ip_vs_del_dest), and a batch of first packets through the scheduler.
import { NIL, OK, EXISTS, NOT_FOUND, FULL, NO_MEMORY, BAD_ARG, tryAlloc } from "./common";
import { column, inBatch, COL_DADDR, COL_SADDR, COL_SPORT, COL_OUT } from "./batch";
import {
  Dests, DEST_FIELDS, FLAGS, IP_VS_DEST_F_OVERLOAD, MAX_DESTS, MAX_WEIGHT, ACTIVECONNS, INACTCONNS, REFCNT,
  destsNew, destsFree, destFind, destLink, destUnlink, destUpdate, destBind, posOf, get, put, idAt,
} from "./dest";
import { IN_USE, NO_DEST, Service, UNKNOWN_SCHED } from "./service";
import * as sched from "./sched/dispatch";

/** A new virtual service with no dests, scheduled rr (kube-proxy's default); 0 if out of memory. */
export function ipvs_service_new(): usize {
  const d = destsNew();
  const p = tryAlloc(offsetof<Service>());
  if (d == 0 || p == 0) {
    if (d != 0) heap.free(d);
    if (p != 0) heap.free(p);
    return 0;
  }
  const svc = changetype<Service>(p);
  svc.dests = changetype<Dests>(d);
  svc.flags = 0;
  if (sched.init_service(svc, sched.SCHED_RR) != OK) {
    destsFree(svc.dests);
    heap.free(p);
    return 0;
  }
  return p;
}

/** IN_USE while connections still hold any of its dests (free the connection table's first). */
export function ipvs_service_free(p: usize): i32 {
  const svc = changetype<Service>(p), d = svc.dests;
  for (let id: u32 = 0; id < d.used; id++) if (get(d, REFCNT, id) != 0) return IN_USE;
  sched.done_service(svc);
  destsFree(d);
  heap.free(p);
  return OK;
}

/**
 * ip_vs_edit_service (ipvsadm -E -s name -b flags): an unknown name changes nothing; the bound
 * scheduler only takes the new flags; another is bound after the old one is unbound, so when that
 * fails (NO_MEMORY, mh: FULL) the service is left with none (SCHED_NONE) and its old flags.
 */
export function ipvs_service_set_scheduler(p: usize, id: u32, flags: u32): i32 {
  if (id >= sched.SCHED_COUNT) return UNKNOWN_SCHED;
  const svc = changetype<Service>(p);
  if (id != svc.sched) {
    sched.done_service(svc);
    svc.sched = sched.SCHED_NONE;
    const code = sched.init_service(svc, id);
    if (code != OK) {
      svc.sched = sched.SCHED_NONE;
      return code;
    }
  }
  svc.flags = flags;
  return OK;
}

export function ipvs_service_scheduler(p: usize): u32 {
  return changetype<Service>(p).sched;
}

function validDest(port: u32, weight: u32, uth: u32, lth: u32): bool {
  return port <= 0xffff && weight <= MAX_WEIGHT && lth <= uth;
}

/**
 * ip_vs_add_dest: EXISTS for a dest already listed; BAD_ARG for a port past 0xffff, weight > 65535 or
 * l_threshold > u_threshold; FULL or NO_MEMORY when the list or the scheduler cannot take one more.
 * The kernel lists the dest first and ignores add_dest's answer (__ip_vs_update_dest), so its 4094th
 * dest of an mh service is listed but in no slot; here the scheduler is asked first and a dest it
 * cannot take is refused, the service as it was.
 */
export function ipvs_dest_add(p: usize, addr: u32, port: u32, weight: u32, uth: u32, lth: u32): i32 {
  if (!validDest(port, weight, uth, lth)) return BAD_ARG;
  const svc = changetype<Service>(p);
  if (destFind(svc.dests, addr, port) != NIL) return EXISTS;
  const room = sched.reserve_dest(svc);
  if (room != OK) return room;
  const id = destLink(svc.dests, addr, port, weight, uth, lth);
  if (id == NIL) return svc.dests.used >= MAX_DESTS ? FULL : NO_MEMORY;
  const code = sched.add_dest(svc, 0);
  if (code != OK) destUnlink(svc.dests, 0); // off the list again; the scheduler kept its state
  return code;
}

/** ip_vs_edit_dest: new weight and thresholds for a listed dest. */
export function ipvs_dest_edit(p: usize, addr: u32, port: u32, weight: u32, uth: u32, lth: u32): i32 {
  if (!validDest(port, weight, uth, lth)) return BAD_ARG;
  const svc = changetype<Service>(p);
  const id = destFind(svc.dests, addr, port);
  if (id == NIL) return NOT_FOUND;
  destUpdate(svc.dests, id, weight, uth, lth, false);
  return sched.upd_dest(svc, posOf(svc.dests, id));
}

/** ip_vs_del_dest: off the list at once; its connections keep it (as trash) until they go. */
export function ipvs_dest_del(p: usize, addr: u32, port: u32): i32 {
  const svc = changetype<Service>(p);
  const id = destFind(svc.dests, addr, port);
  if (id == NIL) return NOT_FOUND;
  const pos = posOf(svc.dests, id);
  destUnlink(svc.dests, pos);
  return sched.del_dest(svc, pos);
}

/** The id of the listed dest addr:port, or NIL. */
export function ipvs_dest_find(p: usize, addr: u32, port: u32): u32 {
  return destFind(changetype<Service>(p).dests, addr, port);
}

export function ipvs_dest_count(p: usize): u32 {
  return changetype<Service>(p).dests.num;
}

/** The ids in list order into out (num_dests words); returns how many. */
export function ipvs_dest_ids(p: usize, out: usize): u32 {
  const d = changetype<Service>(p).dests;
  for (let i: u32 = 0; i < d.num; i++) store<u32>(out + (<usize>i << 2), idAt(d, i));
  return d.num;
}

/** Field f (ADDR .. REFCNT of dest.ts) of dest id; 0 for an id never handed out. */
export function ipvs_dest_get(p: usize, id: u32, f: u32): u32 {
  const d = changetype<Service>(p).dests;
  return id < d.used && f < DEST_FIELDS ? get(d, f, id) : 0;
}

/** Sets a dest's counters and overload flag, as if connections had come and gone (benches, tests). */
export function ipvs_dest_set_conns(p: usize, id: u32, active: u32, inact: u32, overloaded: bool): i32 {
  const d = changetype<Service>(p).dests;
  if (id >= d.used) return BAD_ARG;
  put(d, ACTIVECONNS, id, active);
  put(d, INACTCONNS, id, inact);
  const flags = get(d, FLAGS, id) & ~IP_VS_DEST_F_OVERLOAD;
  put(d, FLAGS, id, overloaded ? flags | IP_VS_DEST_F_OVERLOAD : flags);
  return OK;
}

/**
 * The scheduler for each packet of [start, start+count): out = dest id, or NO_DEST.
 * bind: count each pick as a new connection (activeconns++, overload rule), with no table entry.
 */
export function ipvs_schedule(p: usize, b: usize, start: u32, count: u32, bind: bool): i32 {
  if (!inBatch(b, start, count)) return BAD_ARG;
  const svc = changetype<Service>(p);
  const S = column(b, COL_SADDR), P = column(b, COL_SPORT), D = column(b, COL_DADDR), O = column(b, COL_OUT);
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const pos = sched.schedule(svc, load<u32>(S + o), load<u32>(P + o), load<u32>(D + o));
    if (pos == NIL) { store<u32>(O + o, NO_DEST); continue; }
    const id = idAt(svc.dests, pos);
    if (bind) destBind(svc.dests, id, false);
    store<u32>(O + o, id);
  }
  return OK;
}

/** dh / sh / mh: the lookup table as dest ids (NIL for none) into out; returns its size, 0 for the others. */
export function ipvs_sched_table(p: usize, out: usize): u32 {
  const svc = changetype<Service>(p);
  const t = sched.table(svc), n = sched.tableSize(svc);
  for (let i: u32 = 0; i < n; i++) {
    const pos = load<u32>(t + (<usize>i << 2));
    store<u32>(out + (<usize>i << 2), pos == NIL ? NIL : idAt(svc.dests, pos));
  }
  return n;
}

export function ipvs_sched_table_size(p: usize): u32 {
  return sched.tableSize(changetype<Service>(p));
}
