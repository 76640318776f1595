// The IPVS virtual-service table of linux net/netfilter/ipvs/ip_vs_ctl.c: ip_vs_svc_table,
// 1 << IP_VS_SVC_TAB_BITS (8) chained buckets keyed by <protocol, addr, port>, new services
// added at the head of their bucket (hlist_add_head_rcu), lookup walks the bucket.
// The resizable variant follows the 2025 "ipvs: use resizable hash table" series:
// 4..20 bits, same chaining; it doubles when entries exceed buckets (load factor 1).
// An entry keeps its fields together (16 bytes), as struct ip_vs_service does.
// The resizable table's batch lookup is staged (assembly/stage.ts); the fixed one walks as the kernel.
import {
  MISS, NIL, OK, EXISTS, NOT_FOUND, FULL, NO_MEMORY, BAD_PROTO, BAD_ARG, entryLimit,
  validProto, portProto, allocWords, allocNil, moveWords, mix,
} from "./common";
import { column, inBatch, COL_DADDR, COL_DPORT, COL_PROTO, COL_OUT } from "./batch";
import { LOOKUP_GROUP, STAGE_FROM_BYTES, stageColumn, stagedByGroup, validGroup } from "./stage";

const IP_VS_SVC_TAB_BITS: u32 = 8;
const RHT_MIN_BITS: u32 = 4;
const RHT_MAX_BITS: u32 = 20;

@unmanaged class SvcTable {
  resizable: bool = false;
  bits: u32 = IP_VS_SVC_TAB_BITS;
  heads: usize = 0;   // first entry of each bucket, NIL if empty
  count: u32 = 0;
  limit: u32 = 0;     // most entries it takes; more is FULL
  cap: u32 = 0;       // entries the columns hold
  used: u32 = 0;      // entries ever handed out (free ones are on the free list)
  free: u32 = NIL;    // free-list head, linked through next
  entries: usize = 0; // cap entries of: daddr, pp, target, next (s_list: next in the same bucket)
  peak: usize = 0;    // most bytes held at once: growing holds old and new columns

  /** lookupStaged with G walks in flight, for stagedByGroup. */
  // @ts-ignore: decorator
  @inline stage(b: usize, start: u32, count: u32, G: u32): void {
    lookupStaged(this, b, start, count, G);
  }
}

const ENTRY_SHIFT: u32 = 4;
const PP: usize = 4;
const TARGET: usize = 8;
const NEXT: usize = 12;

// @ts-ignore: decorator
@inline function entryAt(t: SvcTable, e: u32): usize {
  return t.entries + (<usize>e << ENTRY_SHIFT);
}

/**
 * The bucket of a key. Fixed: ip_vs_svc_hashkey, (proto ^ addr ^ (port >> 8) ^ port) & mask.
 * Resizable: a keyed mix of the whole key, top bits (jhash in the kernel series).
 */
// @ts-ignore: decorator
@inline function bucket(t: SvcTable, daddr: u32, pp: u32): u32 {
  if (t.resizable) return mix(daddr, pp) >>> (32 - t.bits);
  const port = pp & 0xffff;
  return ((pp >>> 16) ^ daddr ^ (port >>> IP_VS_SVC_TAB_BITS) ^ port) & ((1 << IP_VS_SVC_TAB_BITS) - 1);
}

/**
 * A new table of at most limit entries (0: the largest): fixed 256 buckets, or resizable from 16. 0 if out of
 * memory.
 */
export function svctable_new(resizable: bool, limit: u32): usize {
  const bits = resizable ? RHT_MIN_BITS : IP_VS_SVC_TAB_BITS;
  const heads = allocNil(1 << bits);
  if (heads == 0) return 0;
  const t = new SvcTable();
  t.resizable = resizable;
  t.bits = bits;
  t.heads = heads;
  t.limit = entryLimit(limit);
  t.peak = tableBytes(t);
  return changetype<usize>(t);
}

// @ts-ignore: decorator
@inline function tableBytes(t: SvcTable): usize {
  return offsetof<SvcTable>() + (<usize>4 << t.bits) + (<usize>t.cap << ENTRY_SHIFT);
}

/** Bytes of linear memory the table holds: header, bucket heads and entries. */
export function svctable_bytes(p: usize): usize {
  return tableBytes(changetype<SvcTable>(p));
}

/** The most bytes the table has held at once (while growing, old and new heads or entries). */
export function svctable_peak_bytes(p: usize): usize {
  return changetype<SvcTable>(p).peak;
}

// @ts-ignore: decorator
@inline function notePeak(t: SvcTable, extra: usize): void {
  const held = tableBytes(t) + extra;
  if (held > t.peak) t.peak = held;
}

export function svctable_free(p: usize): void {
  const t = changetype<SvcTable>(p);
  heap.free(t.heads);
  if (t.cap != 0) heap.free(t.entries);
  heap.free(p);
}

export function svctable_count(p: usize): u32 {
  return changetype<SvcTable>(p).count;
}

export function svctable_buckets(p: usize): u32 {
  return 1 << changetype<SvcTable>(p).bits;
}

/** Entry index holding the key, or NIL: __ip_vs_service_find. */
// @ts-ignore: decorator
@inline function find(t: SvcTable, daddr: u32, pp: u32): u32 {
  let e = load<u32>(t.heads + (<usize>bucket(t, daddr, pp) << 2));
  while (e != NIL) {
    const x = entryAt(t, e);
    if (load<u32>(x) == daddr && load<u32>(x, PP) == pp) return e;
    e = load<u32>(x, NEXT);
  }
  return NIL;
}

/** Room for one more entry in the columns; false if out of memory. */
function reserveEntry(t: SvcTable): bool {
  if (t.free != NIL || t.used < t.cap) return true;
  const cap: u32 = t.cap < 64 ? 64 : t.cap << 1;
  const entries = allocWords(cap << 2);
  if (entries == 0) return false;
  const old = <usize>t.cap << ENTRY_SHIFT;
  t.cap = cap;
  notePeak(t, old);
  moveWords(entries, t.entries, t.used << 2);
  t.entries = entries;
  return true;
}

/** Doubles the buckets and relinks every entry; keeps the old ones if memory is short. */
function grow(t: SvcTable): void {
  const bits = t.bits + 1;
  const heads = allocNil(1 << bits);
  if (heads == 0) return; // longer chains, still correct
  const old = t.heads, nb: u32 = 1 << t.bits;
  t.heads = heads;
  t.bits = bits;
  notePeak(t, <usize>nb << 2);
  for (let b: u32 = 0; b < nb; b++) {
    let e = load<u32>(old + (<usize>b << 2));
    while (e != NIL) {
      const x = entryAt(t, e);
      const after = load<u32>(x, NEXT);
      const h = heads + (<usize>bucket(t, load<u32>(x), load<u32>(x, PP)) << 2);
      store<u32>(x, load<u32>(h), NEXT);
      store<u32>(h, e);
      e = after;
    }
  }
  heap.free(old);
}

/** ip_vs_add_service: -EEXIST for a key already present. */
export function svctable_insert(p: usize, daddr: u32, port: u32, proto: u32, target: u32): i32 {
  if (!validProto(proto) || port > 0xffff) return BAD_PROTO;
  const t = changetype<SvcTable>(p);
  const pp = portProto(port, proto);
  if (find(t, daddr, pp) != NIL) return EXISTS;
  if (t.count >= t.limit) return FULL;
  if (!reserveEntry(t)) return NO_MEMORY;
  if (t.resizable && t.count >= (<u32>1 << t.bits) && t.bits < RHT_MAX_BITS) grow(t);
  let e: u32;
  if (t.free != NIL) { e = t.free; t.free = load<u32>(entryAt(t, e), NEXT); }
  else e = t.used++;
  const x = entryAt(t, e);
  store<u32>(x, daddr);
  store<u32>(x, pp, PP);
  store<u32>(x, target, TARGET);
  const h = t.heads + (<usize>bucket(t, daddr, pp) << 2);
  store<u32>(x, load<u32>(h), NEXT); // hlist_add_head
  store<u32>(h, e);
  t.count++;
  return OK;
}

/** ip_vs_del_service: unlink from its bucket, entry back on the free list. */
export function svctable_delete(p: usize, daddr: u32, port: u32, proto: u32): i32 {
  const t = changetype<SvcTable>(p);
  const pp = portProto(port, proto);
  let link = t.heads + (<usize>bucket(t, daddr, pp) << 2);
  let e = load<u32>(link);
  while (e != NIL) {
    const x = entryAt(t, e);
    if (load<u32>(x) == daddr && load<u32>(x, PP) == pp) {
      store<u32>(link, load<u32>(x, NEXT));
      store<u32>(x, t.free, NEXT);
      t.free = e;
      t.count--;
      return OK;
    }
    link = x + NEXT;
    e = load<u32>(link);
  }
  return NOT_FOUND;
}

/** ip_vs_service_find for each packet of [start, start+count), one walk after another: out = target or MISS. */
export function svctable_lookup_plain(p: usize, b: usize, start: u32, count: u32): i32 {
  if (!inBatch(b, start, count)) return BAD_ARG;
  const t = changetype<SvcTable>(p);
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO), O = column(b, COL_OUT);
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const e = find(t, load<u32>(D + o), portProto(load<u32>(T + o), load<u32>(R + o)));
    store<u32>(O + o, e == NIL ? MISS : load<u32>(entryAt(t, e), TARGET));
  }
  return OK;
}

/**
 * The same answers, G walks in flight: every round loads what each walk stands on (its bucket
 * head, or its next entry) all at once, loads that do not wait on each other, so their misses
 * overlap; then each walk takes its step (done, or on to the entry it found), and new packets
 * take the places of finished ones, so that G loads go out every round until the batch ends.
 */
// @ts-ignore: decorator
@inline function lookupStaged(t: SvcTable, b: usize, start: u32, count: u32, G: u32): void {
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO), O = column(b, COL_OUT);
  // Per walk in flight: the address it loads next, its key word, what that load saw, its packet, its step.
  const A = stageColumn(0), Q = stageColumn(1), F = stageColumn(2), K = stageColumn(3), S = stageColumn(4);
  const AT_HEAD: u32 = 0, AT_ENTRY: u32 = 1;
  let next = start, pending: u32 = 0;
  const end = start + count;
  while (true) {
    for (let i: u32 = 0; i < pending; i++) {
      const w = <usize>i << 2;
      store<u32>(F + w, load<u32>(load<usize>(A + w)));
    }
    let left: u32 = 0;
    for (let i: u32 = 0; i < pending; i++) {
      const w = <usize>i << 2, k = load<u32>(K + w), o = <usize>k << 2;
      let e: u32;
      if (load<u32>(S + w) == AT_HEAD) {
        e = load<u32>(F + w);
      } else {
        const x = load<usize>(A + w);
        if (load<u32>(F + w) == load<u32>(D + o) && load<u32>(x, PP) == load<u32>(Q + w)) {
          store<u32>(O + o, load<u32>(x, TARGET));
          continue;
        }
        e = load<u32>(x, NEXT);
      }
      if (e == NIL) { store<u32>(O + o, MISS); continue; }
      const l = <usize>left << 2;
      store<usize>(A + l, entryAt(t, e));
      store<u32>(Q + l, load<u32>(Q + w));
      store<u32>(K + l, k);
      store<u32>(S + l, AT_ENTRY);
      left++;
    }
    for (; left < G && next < end; left++, next++) {
      const o = <usize>next << 2, l = <usize>left << 2;
      const pp = portProto(load<u32>(T + o), load<u32>(R + o));
      store<usize>(A + l, t.heads + (<usize>bucket(t, load<u32>(D + o), pp) << 2));
      store<u32>(Q + l, pp);
      store<u32>(K + l, next);
      store<u32>(S + l, AT_HEAD);
    }
    if (left == 0) break;
    pending = left;
  }
}

/** ip_vs_service_find for each packet of [start, start+count): staged on a resizable table past L2 size. */
export function svctable_lookup(p: usize, b: usize, start: u32, count: u32): i32 {
  const t = changetype<SvcTable>(p);
  if (!t.resizable || tableBytes(t) < STAGE_FROM_BYTES) return svctable_lookup_plain(p, b, start, count);
  if (!inBatch(b, start, count)) return BAD_ARG;
  lookupStaged(t, b, start, count, LOOKUP_GROUP);
  return OK;
}

/** svctable_lookup staged in groups of g (4, 8, 16 or 32) on either table: the group sweep. */
export function svctable_lookup_group(p: usize, b: usize, start: u32, count: u32, g: u32): i32 {
  if (!inBatch(b, start, count) || !validGroup(g)) return BAD_ARG;
  stagedByGroup(changetype<SvcTable>(p), b, start, count, g);
  return OK;
}

/** Length of every bucket's chain into out (one word per bucket): the report's chain-length figure. */
export function svctable_chain_lengths(p: usize, out: usize): void {
  const t = changetype<SvcTable>(p);
  const nb: u32 = 1 << t.bits;
  for (let b: u32 = 0; b < nb; b++) {
    let n: u32 = 0;
    let e = load<u32>(t.heads + (<usize>b << 2));
    while (e != NIL) { n++; e = load<u32>(entryAt(t, e), NEXT); }
    store<u32>(out + (<usize>b << 2), n);
  }
}
