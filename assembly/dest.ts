// Destinations of one virtual service: linux include/net/ip_vs.h struct ip_vs_dest, the list
// svc->destinations kept by net/netfilter/ipvs/ip_vs_ctl.c (__ip_vs_update_dest puts a new dest
// at the head: list_add_rcu, so the list runs newest first), and the connection counters
// ip_vs_conn.c moves (ip_vs_bind_dest, ip_vs_unbind_dest) with the overload rule on them.
// Columns are indexed by a dest id (a slot that stays put while the dest lives); the list order
// is one more column of ids. A deleted dest that still has connections stays as trash (its id
// reserved, counters kept) until the last one goes, and comes back if re-added (ip_vs_trash_get_dest).
import { NIL, tryAlloc } from "./common";

export const IP_VS_DEST_F_AVAILABLE: u32 = 0x0001;
export const IP_VS_DEST_F_OVERLOAD: u32 = 0x0002;

/** ipvsadm's range for -w (the kernel only asks for >= 0). */
export const MAX_WEIGHT: u32 = 65535;
/** Most destinations one service holds. */
export const MAX_DESTS: u32 = 1 << 16;

// Columns, in this order; ipvs_dest_get reads them by these numbers.
export const ADDR: u32 = 0;
export const PORT: u32 = 1;
export const WEIGHT: u32 = 2;
export const LAST_WEIGHT: u32 = 3;  // the latest non-zero weight (mh builds its table from it)
export const ACTIVECONNS: u32 = 4;
export const INACTCONNS: u32 = 5;
export const FLAGS: u32 = 6;
export const U_THRESHOLD: u32 = 7;
export const L_THRESHOLD: u32 = 8;
export const REFCNT: u32 = 9;       // connections bound to it in the connection table
const ORDER: u32 = 10;              // list position -> id
const SPARE: u32 = 11;              // stack of free ids
const COLUMNS: u32 = 12;
export const DEST_FIELDS: u32 = REFCNT + 1;

const MIN_CAP: u32 = 8;

@unmanaged export class Dests {
  num: u32 = 0;     // num_dests: length of the list
  cap: u32 = 0;     // ids the columns hold
  used: u32 = 0;    // ids ever handed out
  nspare: u32 = 0;  // ids on the spare stack
  cols: usize = 0;  // COLUMNS columns of cap words, one block
}

/** Byte address of column c. */
// @ts-ignore: decorator
@inline export function col(d: Dests, c: u32): usize {
  return d.cols + ((<usize>c * d.cap) << 2);
}

// @ts-ignore: decorator
@inline export function get(d: Dests, c: u32, id: u32): u32 {
  return load<u32>(col(d, c) + (<usize>id << 2));
}

// @ts-ignore: decorator
@inline export function put(d: Dests, c: u32, id: u32, v: u32): void {
  store<u32>(col(d, c) + (<usize>id << 2), v);
}

/** The id at list position pos. */
// @ts-ignore: decorator
@inline export function idAt(d: Dests, pos: u32): u32 {
  return load<u32>(col(d, ORDER) + (<usize>pos << 2));
}

/** May take new connections: weight > 0 and not overloaded (the test every scheduler makes). */
// @ts-ignore: decorator
@inline export function available(d: Dests, id: u32): bool {
  return get(d, WEIGHT, id) != 0 && (get(d, FLAGS, id) & IP_VS_DEST_F_OVERLOAD) == 0;
}

/** An empty destination list; 0 if out of memory. */
export function destsNew(): usize {
  const p = tryAlloc(offsetof<Dests>());
  if (p != 0) memory.fill(p, 0, offsetof<Dests>());
  return p;
}

export function destsFree(d: Dests): void {
  if (d.cols != 0) heap.free(d.cols);
  heap.free(changetype<usize>(d));
}

/** Room for one more id; false if out of memory or at MAX_DESTS. */
function reserve(d: Dests): bool {
  if (d.nspare != 0 || d.used < d.cap) return true;
  if (d.cap >= MAX_DESTS) return false;
  const cap = d.cap == 0 ? MIN_CAP : d.cap << 1;
  const bytes = (<usize>cap * COLUMNS) << 2;
  const cols = tryAlloc(bytes);
  if (cols == 0) return false;
  memory.fill(cols, 0, bytes);
  for (let c: u32 = 0; c < COLUMNS; c++) {
    if (d.cap != 0) memory.copy(cols + ((<usize>c * cap) << 2), col(d, c), <usize>d.cap << 2);
  }
  if (d.cols != 0) heap.free(d.cols);
  d.cols = cols;
  d.cap = cap;
  return true;
}

/** List position of id, or NIL. */
export function posOf(d: Dests, id: u32): u32 {
  const order = col(d, ORDER);
  for (let p: u32 = 0; p < d.num; p++) if (load<u32>(order + (<usize>p << 2)) == id) return p;
  return NIL;
}

/** ip_vs_lookup_dest: the listed dest with this addr and port, or NIL. */
export function destFind(d: Dests, addr: u32, port: u32): u32 {
  for (let p: u32 = 0; p < d.num; p++) {
    const id = idAt(d, p);
    if (get(d, ADDR, id) == addr && get(d, PORT, id) == port) return id;
  }
  return NIL;
}

/** ip_vs_trash_get_dest: a deleted dest with this addr and port that still has connections, or NIL. */
function trashFind(d: Dests, addr: u32, port: u32): u32 {
  for (let id: u32 = 0; id < d.used; id++) {
    if ((get(d, FLAGS, id) & IP_VS_DEST_F_AVAILABLE) == 0 && get(d, REFCNT, id) != 0 &&
        get(d, ADDR, id) == addr && get(d, PORT, id) == port) return id;
  }
  return NIL;
}

/** The settings part of __ip_vs_update_dest: weight, last_weight, thresholds, AVAILABLE, OVERLOAD. */
export function destUpdate(d: Dests, id: u32, weight: u32, uth: u32, lth: u32, add: bool): void {
  if (add || weight != 0) put(d, LAST_WEIGHT, id, weight); // keep the last_weight with latest non-0 weight
  put(d, WEIGHT, id, weight);
  let flags = get(d, FLAGS, id) | IP_VS_DEST_F_AVAILABLE;
  if (uth == 0 || uth > get(d, U_THRESHOLD, id)) flags &= ~IP_VS_DEST_F_OVERLOAD;
  put(d, FLAGS, id, flags);
  put(d, U_THRESHOLD, id, uth);
  put(d, L_THRESHOLD, id, lth);
}

/** ip_vs_add_dest: a new (or revived) dest at the head of the list; its id, or NIL if out of room. */
export function destLink(d: Dests, addr: u32, port: u32, weight: u32, uth: u32, lth: u32): u32 {
  let id = trashFind(d, addr, port);
  if (id == NIL) {
    if (!reserve(d)) return NIL;
    id = d.nspare != 0 ? load<u32>(col(d, SPARE) + (<usize>(--d.nspare) << 2)) : d.used++;
    for (let c: u32 = 0; c < DEST_FIELDS; c++) put(d, c, id, 0);
    put(d, ADDR, id, addr);
    put(d, PORT, id, port);
  }
  destUpdate(d, id, weight, uth, lth, true);
  const order = col(d, ORDER);
  memory.copy(order + 4, order, <usize>d.num << 2);
  store<u32>(order, id);
  d.num++;
  return id;
}

/** An id goes back on the spare stack. */
function release(d: Dests, id: u32): void {
  store<u32>(col(d, SPARE) + (<usize>(d.nspare++) << 2), id);
}

/** __ip_vs_unlink_dest: off the list, no longer AVAILABLE; its id is freed once no connection holds it. */
export function destUnlink(d: Dests, pos: u32): void {
  const id = idAt(d, pos);
  const order = col(d, ORDER) + (<usize>pos << 2);
  memory.copy(order, order + 4, <usize>(d.num - pos - 1) << 2);
  d.num--;
  put(d, FLAGS, id, get(d, FLAGS, id) & ~IP_VS_DEST_F_AVAILABLE);
  if (get(d, REFCNT, id) == 0) release(d, id);
}

/**
 * ip_vs_bind_dest: a new connection counts as active (our model has no handshake; the kernel binds
 * it inactive and set_tcp_state makes it active at ESTABLISHED); OVERLOAD once total >= u_threshold.
 * conn: a connection-table entry holds the dest (refcnt), not just a counted pick.
 */
export function destBind(d: Dests, id: u32, conn: bool): void {
  if (conn) put(d, REFCNT, id, get(d, REFCNT, id) + 1);
  const active = get(d, ACTIVECONNS, id) + 1;
  put(d, ACTIVECONNS, id, active);
  const uth = get(d, U_THRESHOLD, id);
  if (uth != 0 && <u64>active + get(d, INACTCONNS, id) >= uth) {
    put(d, FLAGS, id, get(d, FLAGS, id) | IP_VS_DEST_F_OVERLOAD);
  }
}

/** A counter down by one; host-set counters may be lower than the connections, so never below 0. */
// @ts-ignore: decorator
@inline function decrement(d: Dests, c: u32, id: u32): void {
  const v = get(d, c, id);
  if (v != 0) put(d, c, id, v - 1);
}

/** set_tcp_state leaving ESTABLISHED: the connection moves from active to inactive. */
export function destDeactivate(d: Dests, id: u32): void {
  decrement(d, ACTIVECONNS, id);
  put(d, INACTCONNS, id, get(d, INACTCONNS, id) + 1);
}

/**
 * ip_vs_unbind_dest: the connection leaves its counter; OVERLOAD clears below l_threshold, or below
 * 3/4 of u_threshold when there is no l_threshold, or at once when there is neither.
 */
export function destUnbind(d: Dests, id: u32, inactive: bool): void {
  decrement(d, inactive ? INACTCONNS : ACTIVECONNS, id);
  const total = <u64>get(d, ACTIVECONNS, id) + get(d, INACTCONNS, id);
  const lth = get(d, L_THRESHOLD, id), uth = get(d, U_THRESHOLD, id);
  let flags = get(d, FLAGS, id);
  if (lth != 0) {
    if (total < lth) flags &= ~IP_VS_DEST_F_OVERLOAD;
  } else if (uth != 0) {
    if (total * 4 < <u64>uth * 3) flags &= ~IP_VS_DEST_F_OVERLOAD;
  } else {
    flags &= ~IP_VS_DEST_F_OVERLOAD;
  }
  put(d, FLAGS, id, flags);
  const refs = get(d, REFCNT, id);
  if (refs != 0) {
    put(d, REFCNT, id, refs - 1);
    if (refs == 1 && (flags & IP_VS_DEST_F_AVAILABLE) == 0) release(d, id);
  }
}
