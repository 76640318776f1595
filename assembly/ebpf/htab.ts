// The kernel's BPF hash map (linux kernel/bpf/hashtab.c), preallocated as Cilium creates its lb4 maps
// (cilium bpf/lib/lb.h: BPF_MAP_TYPE_HASH, max_entries CILIUM_LB_MAP_MAX_ENTRIES): n_buckets =
// roundup_pow_of_two(max_entries); htab_map_hash = jhash2(key words, hashrnd) (key_size % 4 == 0),
// bucket = hash & (n_buckets - 1); each bucket a list, a new element added at its head
// (hlist_nulls_add_head_rcu); lookup_nulls_elem_raw compares the stored hash, then the key. Every
// element is allocated at map creation and kept on a free list (prealloc_init, pcpu_freelist): an
// update past max_entries is -E2BIG (FULL). Keys of 1..3 words (lb4_key: 12 bytes; backend id: 4),
// values of 3 words (lb4_service, lb4_backend: 12 bytes).
import { BAD_ARG, EXISTS, FULL, MISS, NIL, NOT_FOUND, OK, allocNil, allocWords, tryAlloc } from "../common";
import { column, inBatch, COL_DADDR, COL_DPORT, COL_PROTO, COL_OUT } from "../batch";
import { jhash2 } from "../hash";
import { lb4Key1, lb4Key2 } from "./lb4";

/** map_update_elem flags (include/uapi/linux/bpf.h). */
export const BPF_ANY: u32 = 0;
export const BPF_NOEXIST: u32 = 1;
export const BPF_EXIST: u32 = 2;

/** Largest max_entries a model map takes (the kernel's own bound is memory). */
const MAX_MAP_ENTRIES: u32 = 1 << 24;

// An element: next (index or NIL), hash, key[3], value[3]: 8 words.
const ELEM_SHIFT: u32 = 5;
const NEXT: usize = 0;
const HASH: usize = 4;
const KEY: usize = 8;
const VALUE: usize = 20;

@unmanaged class Htab {
  keyWords: u32 = 0;
  maxEntries: u32 = 0;
  nBuckets: u32 = 0;
  hashrnd: u32 = 0;
  count: u32 = 0;
  freeHead: u32 = 0;
  buckets: usize = 0;
  elems: usize = 0;
}

// @ts-ignore: decorator
@inline function elemAt(h: Htab, i: u32): usize {
  return h.elems + (<usize>i << ELEM_SHIFT);
}

// @ts-ignore: decorator
@inline function bucketAt(h: Htab, hash: u32): usize {
  return h.buckets + (<usize>(hash & (h.nBuckets - 1)) << 2);
}

function roundupPow2(n: u32): u32 {
  return n <= 1 ? 1 : <u32>1 << (32 - clz<u32>(n - 1));
}

/**
 * htab_map_alloc with prealloc: buckets and every element; 0 if key_words or max_entries is out of range or
 * memory is short.
 */
export function htab_new(keyWords: u32, maxEntries: u32, hashrnd: u32): usize {
  if (keyWords < 1 || keyWords > 3 || maxEntries == 0 || maxEntries > MAX_MAP_ENTRIES) return 0;
  const nBuckets = roundupPow2(maxEntries);
  const p = tryAlloc(offsetof<Htab>());
  if (p == 0) return 0;
  const buckets = allocNil(nBuckets);
  const elems: usize = buckets == 0 ? <usize>0 : allocWords(maxEntries << 3);
  if (elems == 0) {
    if (buckets != 0) heap.free(buckets);
    heap.free(p);
    return 0;
  }
  const h = changetype<Htab>(p);
  h.keyWords = keyWords; h.maxEntries = maxEntries; h.nBuckets = nBuckets; h.hashrnd = hashrnd;
  h.count = 0; h.buckets = buckets; h.elems = elems;
  // The free list threads every element (prealloc_init: pcpu_freelist_populate).
  for (let i: u32 = 0; i < maxEntries; i++) store<u32>(elemAt(h, i), i + 1 < maxEntries ? i + 1 : NIL, NEXT);
  h.freeHead = 0;
  return p;
}

export function htab_free(p: usize): void {
  const h = changetype<Htab>(p);
  heap.free(h.buckets);
  heap.free(h.elems);
  heap.free(p);
}

export function htab_count(p: usize): u32 {
  return changetype<Htab>(p).count;
}

export function htab_buckets(p: usize): u32 {
  return changetype<Htab>(p).nBuckets;
}

// @ts-ignore: decorator
@inline function hashOf(h: Htab, k0: u32, k1: u32, k2: u32): u32 {
  return jhash2(h.keyWords, k0, k1, k2, h.hashrnd);
}

/** lookup_nulls_elem_raw: the element holding the key in its bucket, or NIL. */
// @ts-ignore: decorator
@inline function find(h: Htab, hash: u32, k0: u32, k1: u32, k2: u32): u32 {
  let i = load<u32>(bucketAt(h, hash));
  while (i != NIL) {
    const e = elemAt(h, i);
    if (load<u32>(e, HASH) == hash && load<u32>(e, KEY) == k0 &&
        (h.keyWords < 2 || load<u32>(e, KEY + 4) == k1) && (h.keyWords < 3 || load<u32>(e, KEY + 8) == k2)) return i;
    i = load<u32>(e, NEXT);
  }
  return NIL;
}

/** Unused key words are zero, so that one key has one form. */
// @ts-ignore: decorator
@inline function keyOk(h: Htab, k1: u32, k2: u32): bool {
  return (h.keyWords >= 2 || k1 == 0) && (h.keyWords >= 3 || k2 == 0);
}

/**
 * htab_map_update_elem: BPF_ANY inserts or replaces, BPF_NOEXIST only inserts (EXISTS), BPF_EXIST only
 * replaces (NOT_FOUND); a new key past max_entries is FULL (-E2BIG). A replaced value is written in place
 * (the kernel swaps in a fresh element from the free list: the same map afterwards).
 */
export function htab_update(p: usize, k0: u32, k1: u32, k2: u32, v0: u32, v1: u32, v2: u32, flags: u32): i32 {
  const h = changetype<Htab>(p);
  if (flags > BPF_EXIST || !keyOk(h, k1, k2)) return BAD_ARG;
  const hash = hashOf(h, k0, k1, k2);
  let i = find(h, hash, k0, k1, k2);
  if (i != NIL) {
    if (flags == BPF_NOEXIST) return EXISTS;
  } else {
    if (flags == BPF_EXIST) return NOT_FOUND;
    if (h.freeHead == NIL) return FULL;
    i = h.freeHead;
    const e = elemAt(h, i), b = bucketAt(h, hash);
    h.freeHead = load<u32>(e, NEXT);
    store<u32>(e, load<u32>(b), NEXT); // at the head of its bucket
    store<u32>(b, i);
    store<u32>(e, hash, HASH);
    store<u32>(e, k0, KEY); store<u32>(e, k1, KEY + 4); store<u32>(e, k2, KEY + 8);
    h.count++;
  }
  const e = elemAt(h, i);
  store<u32>(e, v0, VALUE); store<u32>(e, v1, VALUE + 4); store<u32>(e, v2, VALUE + 8);
  return OK;
}

/** htab_map_delete_elem: unlinks the element and gives it back to the free list. */
export function htab_delete(p: usize, k0: u32, k1: u32, k2: u32): i32 {
  const h = changetype<Htab>(p);
  if (!keyOk(h, k1, k2)) return NOT_FOUND;
  const hash = hashOf(h, k0, k1, k2);
  let at = bucketAt(h, hash); // the word that points at the element: the bucket head or a next
  let i = load<u32>(at);
  while (i != NIL) {
    const e = elemAt(h, i);
    if (load<u32>(e, HASH) == hash && load<u32>(e, KEY) == k0 && load<u32>(e, KEY + 4) == k1 && load<u32>(e, KEY + 8) == k2) {
      store<u32>(at, load<u32>(e, NEXT));
      store<u32>(e, h.freeHead, NEXT);
      h.freeHead = i;
      h.count--;
      return OK;
    }
    at = e + NEXT;
    i = load<u32>(e, NEXT);
  }
  return NOT_FOUND;
}

/** map_lookup_elem: the element's index (for htab_value), or NIL. */
export function htab_find(p: usize, k0: u32, k1: u32, k2: u32): u32 {
  const h = changetype<Htab>(p);
  if (!keyOk(h, k1, k2)) return NIL;
  return find(h, hashOf(h, k0, k1, k2), k0, k1, k2);
}

/** Word w (0..2) of the value of element i (from htab_find). */
export function htab_value(p: usize, i: u32, w: u32): u32 {
  const h = changetype<Htab>(p);
  if (i >= h.maxEntries || w > 2) return MISS;
  return load<u32>(elemAt(h, i) + VALUE + (<usize>w << 2));
}

/** Elements per bucket into out (n_buckets words): the lists lookups walk. */
export function htab_chain_lengths(p: usize, out: usize): void {
  const h = changetype<Htab>(p);
  for (let b: u32 = 0; b < h.nBuckets; b++) {
    let n: u32 = 0;
    for (let i = load<u32>(h.buckets + (<usize>b << 2)); i != NIL; i = load<u32>(elemAt(h, i), NEXT)) n++;
    store<u32>(out + (<usize>b << 2), n);
  }
}

/**
 * lb4_lookup_service for each packet of [start, start+count) (cilium bpf/lib/lb.h): the lb4 services map
 * looked up with the frontend's key (backend_slot 0, scope LB_LOOKUP_SCOPE_EXT); out = the first value word, or MISS.
 */
export function htab_lookup_lb4(p: usize, b: usize, start: u32, count: u32): i32 {
  if (!inBatch(b, start, count)) return BAD_ARG;
  const h = changetype<Htab>(p);
  if (h.keyWords != 3) return BAD_ARG;
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO), O = column(b, COL_OUT);
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const port = load<u32>(T + o), proto = load<u32>(R + o);
    // A port or protocol past its range is no lb4 key: it matches nothing rather than a truncated key.
    if (port > 0xffff || proto > 0xff) { store<u32>(O + o, MISS); continue; }
    const k0 = load<u32>(D + o), k1 = lb4Key1(port, 0), k2 = lb4Key2(proto, 0);
    const i = find(h, hashOf(h, k0, k1, k2), k0, k1, k2);
    store<u32>(O + o, i == NIL ? MISS : load<u32>(elemAt(h, i), VALUE));
  }
  return OK;
}

