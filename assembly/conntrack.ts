// The IPVS connection table of linux net/netfilter/ipvs/ip_vs_conn.c: ip_vs_conn_tab, 1 << conn_tab_bits
// chained buckets (default 12, module parameter range 8..20), a new connection at the head of its
// bucket (hlist_add_head_rcu), hashed by jhash_3words(client addr, client port, protocol, ip_vs_conn_rnd)
// and matched on client, virtual address and protocol (__ip_vs_conn_in_get). A connection holds its
// dest (ip_vs_bind_dest): active while established, inactive once closed (set_tcp_state), and it leaves
// the counters when its timer fires (ip_vs_conn_expire, ip_vs_unbind_dest). Every connection in one
// state has the same timeout and time only moves on, so each state's timers form a FIFO list.
import { NIL, OK, BAD_ARG, MISS, entryLimit, allocNil, tryAlloc } from "./common";
import { column, inBatch, COL_DADDR, COL_DPORT, COL_PROTO, COL_SADDR, COL_SPORT, COL_OUT } from "./batch";
import { destBind, destDeactivate, destUnbind } from "./dest";
import { jhash_3words } from "./hash";
import { Service } from "./service";

const CONN_TAB_BITS: u32 = 12;      // CONFIG_IP_VS_TAB_BITS
const CONN_TAB_MIN_BITS: u32 = 8;
const CONN_TAB_MAX_BITS: u32 = 20;
/** ip_vs_proto_tcp.c tcp_timeouts, in ms: ESTABLISHED 15 min; TIME_WAIT 2 min after a close. */
const TIMEOUT_ESTABLISHED: u32 = 15 * 60 * 1000;
const TIMEOUT_TIME_WAIT: u32 = 2 * 60 * 1000;
const IP_VS_CONN_F_INACTIVE: u32 = 0x0100;

// Entry columns.
const CADDR: u32 = 0;
const VADDR: u32 = 1;
const PORTS: u32 = 2;   // cport << 16 | vport
const PROTO: u32 = 3;   // protocol | conn flags
const SVC: u32 = 4;     // the service whose dest it holds
const DEST: u32 = 5;    // dest id in that service
const EXPIRES: u32 = 6; // ms
const NEXT: u32 = 7;    // c_list: next in the bucket (free list when unused)
const TPREV: u32 = 8;   // timer list
const TNEXT: u32 = 9;
const COLUMNS: u32 = 10;

@unmanaged export class Conntrack {
  bits: u32 = CONN_TAB_BITS;
  heads: usize = 0;
  rnd: u32 = 0;       // ip_vs_conn_rnd
  count: u32 = 0;
  limit: u32 = 0;
  cap: u32 = 0;
  used: u32 = 0;
  free: u32 = NIL;
  cols: usize = 0;
  timeout0: u32 = TIMEOUT_ESTABLISHED; // per state: 0 established, 1 closed
  timeout1: u32 = TIMEOUT_TIME_WAIT;
  first0: u32 = NIL;  // timer lists, soonest first
  last0: u32 = NIL;
  first1: u32 = NIL;
  last1: u32 = NIL;
}

// @ts-ignore: decorator
@inline function at(ct: Conntrack, c: u32, e: u32): usize {
  return ct.cols + ((<usize>c * ct.cap + e) << 2);
}

// @ts-ignore: decorator
@inline export function ctGet(ct: Conntrack, c: u32, e: u32): u32 {
  return load<u32>(at(ct, c, e));
}

// @ts-ignore: decorator
@inline function ctPut(ct: Conntrack, c: u32, e: u32, v: u32): void {
  store<u32>(at(ct, c, e), v);
}

/** The bucket of a client addr, port and protocol (ip_vs_conn_hashkey): the address of its head word. */
// @ts-ignore: decorator
@inline export function ctBucket(ct: Conntrack, caddr: u32, cport: u32, proto: u32): usize {
  const mask: u32 = (1 << ct.bits) - 1;
  return ct.heads + (<usize>(jhash_3words(caddr, cport & 0xffff, proto, ct.rnd) & mask) << 2);
}

/** A table of 1 << bits buckets (8..20, else the default 12) and at most limit connections (0: the largest). */
export function conntrack_new(bits: u32, limit: u32, seed: u32): usize {
  if (bits < CONN_TAB_MIN_BITS || bits > CONN_TAB_MAX_BITS) bits = CONN_TAB_BITS;
  const p = tryAlloc(offsetof<Conntrack>());
  const heads = allocNil(1 << bits);
  if (p == 0 || heads == 0) {
    if (p != 0) heap.free(p);
    if (heads != 0) heap.free(heads);
    return 0;
  }
  const ct = changetype<Conntrack>(p);
  memory.fill(p, 0, offsetof<Conntrack>());
  ct.bits = bits; ct.heads = heads; ct.rnd = seed; ct.limit = entryLimit(limit); ct.free = NIL;
  ct.timeout0 = TIMEOUT_ESTABLISHED; ct.timeout1 = TIMEOUT_TIME_WAIT;
  ct.first0 = NIL; ct.last0 = NIL; ct.first1 = NIL; ct.last1 = NIL;
  return p;
}

export function conntrack_free(p: usize): void {
  const ct = changetype<Conntrack>(p);
  heap.free(ct.heads);
  if (ct.cols != 0) heap.free(ct.cols);
  heap.free(p);
}

export function conntrack_count(p: usize): u32 {
  return changetype<Conntrack>(p).count;
}

export function conntrack_buckets(p: usize): u32 {
  return 1 << changetype<Conntrack>(p).bits;
}

/** Timeouts in ms of established and of closed connections; only while the table is empty (BAD_ARG else). */
export function conntrack_set_timeouts(p: usize, established: u32, closed: u32): i32 {
  const ct = changetype<Conntrack>(p);
  if (ct.count != 0) return BAD_ARG;
  ct.timeout0 = established;
  ct.timeout1 = closed;
  return OK;
}

/** Room for one more entry; false if out of memory. */
function reserve(ct: Conntrack): bool {
  if (ct.free != NIL || ct.used < ct.cap) return true;
  const cap: u32 = ct.cap < 256 ? 256 : ct.cap << 1;
  const cols = tryAlloc((<usize>cap * COLUMNS) << 2);
  if (cols == 0) return false;
  if (ct.cols != 0) {
    for (let c: u32 = 0; c < COLUMNS; c++) {
      memory.copy(cols + ((<usize>c * cap) << 2), ct.cols + ((<usize>c * ct.cap) << 2), <usize>ct.used << 2);
    }
    heap.free(ct.cols);
  }
  ct.cols = cols;
  ct.cap = cap;
  return true;
}

/**
 * The match loop of __ip_vs_conn_in_get over a bucket's chain from entry e, stopping before entry
 * stop (NIL: the whole chain): the entry of this connection, or NIL.
 */
// @ts-ignore: decorator
@inline export function ctScan(ct: Conntrack, e: u32, stop: u32, caddr: u32, cport: u32, proto: u32, vaddr: u32, vport: u32): u32 {
  const ports = (cport << 16) | (vport & 0xffff); // a port above 0xffff never matches
  while (e != stop) {
    if (ctGet(ct, CADDR, e) == caddr && ctGet(ct, PORTS, e) == ports && ctGet(ct, VADDR, e) == vaddr &&
        (ctGet(ct, PROTO, e) & 0xff) == proto) return e;
    e = ctGet(ct, NEXT, e);
  }
  return NIL;
}

/** __ip_vs_conn_in_get: the entry of this connection, or NIL. */
function ctFind(ct: Conntrack, caddr: u32, cport: u32, proto: u32, vaddr: u32, vport: u32): u32 {
  return ctScan(ct, load<u32>(ctBucket(ct, caddr, cport, proto)), NIL, caddr, cport, proto, vaddr, vport);
}

/** The timer list an entry is on: 1 once closed. */
// @ts-ignore: decorator
@inline function timerList(ct: Conntrack, e: u32): u32 {
  return (ctGet(ct, PROTO, e) & IP_VS_CONN_F_INACTIVE) != 0 ? 1 : 0;
}

function timerAppend(ct: Conntrack, e: u32, now: u32): void {
  const l = timerList(ct, e);
  ctPut(ct, EXPIRES, e, now + (l == 0 ? ct.timeout0 : ct.timeout1));
  const last = l == 0 ? ct.last0 : ct.last1;
  ctPut(ct, TPREV, e, last);
  ctPut(ct, TNEXT, e, NIL);
  if (last != NIL) ctPut(ct, TNEXT, last, e);
  else if (l == 0) ct.first0 = e;
  else ct.first1 = e;
  if (l == 0) ct.last0 = e; else ct.last1 = e;
}

function timerRemove(ct: Conntrack, e: u32): void {
  const l = timerList(ct, e), prev = ctGet(ct, TPREV, e), next = ctGet(ct, TNEXT, e);
  if (prev != NIL) ctPut(ct, TNEXT, prev, next);
  else if (l == 0) ct.first0 = next;
  else ct.first1 = next;
  if (next != NIL) ctPut(ct, TPREV, next, prev);
  else if (l == 0) ct.last0 = prev;
  else ct.last1 = prev;
}

/** ip_vs_conn_put: a packet restarts the connection's timer. */
export function ctTouch(ct: Conntrack, e: u32, now: u32): void {
  timerRemove(ct, e);
  timerAppend(ct, e, now);
}

/** The dest id a connection goes to. */
// @ts-ignore: decorator
@inline export function ctDest(ct: Conntrack, e: u32): u32 {
  return ctGet(ct, DEST, e);
}

/**
 * ip_vs_conn_new: a connection to dest id of svc, bound and hashed into bucket h (ctBucket of caddr,
 * cport, proto: the probe that missed found it; ip_vs_conn_hash computes it again); NIL when the table is full.
 */
export function ctNew(
  ct: Conntrack, h: usize, caddr: u32, cport: u32, proto: u32, vaddr: u32, vport: u32, svc: Service, id: u32, now: u32,
): u32 {
  if (ct.count >= ct.limit || !reserve(ct)) return NIL;
  let e: u32;
  if (ct.free != NIL) { e = ct.free; ct.free = ctGet(ct, NEXT, e); }
  else e = ct.used++;
  ctPut(ct, CADDR, e, caddr);
  ctPut(ct, VADDR, e, vaddr);
  ctPut(ct, PORTS, e, (cport << 16) | (vport & 0xffff));
  ctPut(ct, PROTO, e, proto & 0xff);
  ctPut(ct, SVC, e, <u32>changetype<usize>(svc));
  ctPut(ct, DEST, e, id);
  ctPut(ct, NEXT, e, load<u32>(h));
  store<u32>(h, e);
  timerAppend(ct, e, now);
  destBind(svc.dests, id, true);
  ct.count++;
  return e;
}

/** ip_vs_conn_expire: unhash, unbind from the dest, free. */
function expireEntry(ct: Conntrack, e: u32): void {
  let link = ctBucket(ct, ctGet(ct, CADDR, e), ctGet(ct, PORTS, e) >>> 16, ctGet(ct, PROTO, e) & 0xff);
  while (load<u32>(link) != e) link = at(ct, NEXT, load<u32>(link));
  store<u32>(link, ctGet(ct, NEXT, e));
  timerRemove(ct, e);
  const svc = changetype<Service>(<usize>ctGet(ct, SVC, e));
  destUnbind(svc.dests, ctGet(ct, DEST, e), timerList(ct, e) == 1);
  ctPut(ct, NEXT, e, ct.free);
  ct.free = e;
  ct.count--;
}

/**
 * A close (FIN) for each packet of [start, start+count): an established connection turns inactive
 * and waits out TIME_WAIT; out = its dest id, or MISS when there is no such connection.
 */
export function conntrack_close(p: usize, b: usize, start: u32, count: u32, now: u32): i32 {
  if (!inBatch(b, start, count)) return BAD_ARG;
  const ct = changetype<Conntrack>(p);
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO);
  const S = column(b, COL_SADDR), P = column(b, COL_SPORT), O = column(b, COL_OUT);
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const e = ctFind(ct, load<u32>(S + o), load<u32>(P + o), load<u32>(R + o), load<u32>(D + o), load<u32>(T + o));
    if (e == NIL) { store<u32>(O + o, MISS); continue; }
    if (timerList(ct, e) == 0) {
      timerRemove(ct, e);
      ctPut(ct, PROTO, e, ctGet(ct, PROTO, e) | IP_VS_CONN_F_INACTIVE);
      destDeactivate(changetype<Service>(<usize>ctGet(ct, SVC, e)).dests, ctGet(ct, DEST, e));
      timerAppend(ct, e, now);
    }
    store<u32>(O + o, ctGet(ct, DEST, e));
  }
  return OK;
}

/** Fires every timer due by now (expires <= now); returns how many connections went. */
export function conntrack_expire(p: usize, now: u32): u32 {
  const ct = changetype<Conntrack>(p);
  let n: u32 = 0;
  while (ct.first0 != NIL && ctGet(ct, EXPIRES, ct.first0) <= now) { expireEntry(ct, ct.first0); n++; }
  while (ct.first1 != NIL && ctGet(ct, EXPIRES, ct.first1) <= now) { expireEntry(ct, ct.first1); n++; }
  return n;
}

/** ip_vs_conn_flush: every connection expires now; returns how many. */
export function conntrack_flush(p: usize): u32 {
  const ct = changetype<Conntrack>(p);
  let n: u32 = 0;
  while (ct.first0 != NIL) { expireEntry(ct, ct.first0); n++; }
  while (ct.first1 != NIL) { expireEntry(ct, ct.first1); n++; }
  return n;
}
