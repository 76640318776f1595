// The KUBE-SERVICES chain of kubernetes pkg/proxy/iptables/proxier.go: one rule per
// service port, "-d VIP -p proto --dport P -j KUBE-SVC-…", walked in order, first match wins
// (linux net/ipv4/netfilter/ip_tables.c ipt_do_table). Rules are struct-of-arrays columns.
import {
  MISS, OK, FULL, NO_MEMORY, BAD_PROTO, BAD_ARG, entryLimit,
  validProto, portProto, allocWords, moveWords,
} from "./common";
import { column, inBatch, COL_DADDR, COL_DPORT, COL_PROTO, COL_OUT } from "./batch";

@unmanaged class Chain {
  len: u32 = 0;
  limit: u32 = 0;   // most rules it takes; more is FULL
  cap: u32 = 0;     // a power of two from 64
  daddr: usize = 0; // -d VIP
  pp: usize = 0;    // -p proto --dport port, packed by portProto
  target: usize = 0; // -j KUBE-SVC-…: the service port's index
}

/** An empty chain of at most limit rules (0: the largest). */
export function chain_new(limit: u32): usize {
  const ch = new Chain();
  ch.limit = entryLimit(limit);
  return changetype<usize>(ch);
}

export function chain_free(c: usize): void {
  const ch = changetype<Chain>(c);
  if (ch.cap != 0) { heap.free(ch.daddr); heap.free(ch.pp); heap.free(ch.target); }
  heap.free(c);
}

export function chain_len(c: usize): u32 {
  return changetype<Chain>(c).len;
}

/** Bytes of linear memory the chain holds: its header and three columns of cap rules. */
export function chain_bytes(c: usize): usize {
  return offsetof<Chain>() + (<usize>changetype<Chain>(c).cap << 2) * 3;
}

/**
 * Makes room for n rules, keeping the first `keep`. All new columns are
 * allocated before any old one is let go, so a failure changes nothing.
 */
function reserve(ch: Chain, n: u32, keep: u32): i32 {
  if (n > ch.limit) return FULL;
  if (n <= ch.cap) return OK;
  let cap: u32 = ch.cap < 64 ? 64 : ch.cap;
  while (cap < n) cap <<= 1;
  const d = allocWords(cap), p = allocWords(cap), t = allocWords(cap);
  if (d == 0 || p == 0 || t == 0) {
    if (d != 0) heap.free(d);
    if (p != 0) heap.free(p);
    if (t != 0) heap.free(t);
    return NO_MEMORY;
  }
  moveWords(d, ch.daddr, keep);
  moveWords(p, ch.pp, keep);
  moveWords(t, ch.target, keep);
  ch.daddr = d; ch.pp = p; ch.target = t;
  ch.cap = cap;
  return OK;
}

/** -A KUBE-SERVICES: one rule at the end. */
export function chain_append(c: usize, daddr: u32, port: u32, proto: u32, target: u32): i32 {
  if (!validProto(proto) || port > 0xffff) return BAD_PROTO;
  const ch = changetype<Chain>(c);
  const r = reserve(ch, ch.len + 1, ch.len);
  if (r != OK) return r;
  const o = <usize>ch.len << 2;
  store<u32>(ch.daddr + o, daddr);
  store<u32>(ch.pp + o, portProto(port, proto));
  store<u32>(ch.target + o, target);
  ch.len++;
  return OK;
}

/**
 * What iptables-restore does to a chain: all rules replaced at once. src holds
 * n daddr words, then n port words, then n proto words, then n target words.
 * Checks every rule before touching the chain, so a bad one changes nothing.
 */
export function chain_replace(c: usize, src: usize, n: u32): i32 {
  const ch = changetype<Chain>(c);
  const sz = <usize>n << 2;
  for (let i: u32 = 0; i < n; i++) {
    const o = <usize>i << 2;
    if (!validProto(load<u32>(src + 2 * sz + o)) || load<u32>(src + sz + o) > 0xffff) return BAD_PROTO;
  }
  const r = reserve(ch, n, 0); // the old rules are replaced: nothing to keep
  if (r != OK) return r;
  for (let i: u32 = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(ch.daddr + o, load<u32>(src + o));
    store<u32>(ch.pp + o, portProto(load<u32>(src + sz + o), load<u32>(src + 2 * sz + o)));
    store<u32>(ch.target + o, load<u32>(src + 3 * sz + o));
  }
  ch.len = n;
  return OK;
}

/** Index of the first rule matching, or len: one rule after another. */
// @ts-ignore: decorator
@inline function firstScalar(ch: Chain, daddr: u32, pp: u32): u32 {
  const n = ch.len;
  const A = ch.daddr;
  const P = ch.pp;
  let i: u32 = 0;
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (load<u32>(A + o) == daddr && load<u32>(P + o) == pp) break;
  }
  return i;
}

/**
 * Same answer as firstScalar: 32 destination addresses compared in eight v128
 * instructions and one branch; only a block with an equal address is checked
 * rule by rule, in order, so first match still wins.
 */
// @ts-ignore: decorator
@inline function firstSimd(ch: Chain, daddr: u32, pp: u32): u32 {
  const n = ch.len;
  const A = ch.daddr;
  const P = ch.pp;
  const key = i32x4.splat(daddr);
  const n32 = n & ~31;
  let i: u32 = 0;
  for (; i < n32; i += 32) {
    const p = A + (<usize>i << 2);
    const m0 = i32x4.eq(v128.load(p), key);
    const m1 = i32x4.eq(v128.load(p, 16), key);
    const m2 = i32x4.eq(v128.load(p, 32), key);
    const m3 = i32x4.eq(v128.load(p, 48), key);
    const m4 = i32x4.eq(v128.load(p, 64), key);
    const m5 = i32x4.eq(v128.load(p, 80), key);
    const m6 = i32x4.eq(v128.load(p, 96), key);
    const m7 = i32x4.eq(v128.load(p, 112), key);
    const any = v128.or(v128.or(v128.or(m0, m1), v128.or(m2, m3)), v128.or(v128.or(m4, m5), v128.or(m6, m7)));
    if (v128.any_true(any)) {
      let bits = i32x4.bitmask(m0) | (i32x4.bitmask(m1) << 4) | (i32x4.bitmask(m2) << 8) |
        (i32x4.bitmask(m3) << 12) | (i32x4.bitmask(m4) << 16) | (i32x4.bitmask(m5) << 20) |
        (i32x4.bitmask(m6) << 24) | (i32x4.bitmask(m7) << 28);
      while (bits != 0) {
        const j = i + <u32>ctz(bits);
        if (load<u32>(P + (<usize>j << 2)) == pp) return j;
        bits &= bits - 1;
      }
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (load<u32>(A + o) == daddr && load<u32>(P + o) == pp) break;
  }
  return i;
}

// @ts-ignore: decorator
@inline function answer(ch: Chain, i: u32): u32 {
  return i < ch.len ? load<u32>(ch.target + (<usize>i << 2)) : MISS;
}

/**
 * Resolves packets [start, start+count) of batch b with the scalar or SIMD scan. out = the
 * target, or MISS; with lengths, out = how many rules the scan read (match index + 1, or len).
 * Inlined into each export with constant flags, so each gets its own straight loop.
 */
// @ts-ignore: decorator
@inline function resolve(c: usize, b: usize, start: u32, count: u32, simd: bool, lengths: bool): i32 {
  if (!inBatch(b, start, count)) return BAD_ARG;
  const ch = changetype<Chain>(c);
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO), O = column(b, COL_OUT);
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const daddr = load<u32>(D + o), pp = portProto(load<u32>(T + o), load<u32>(R + o));
    const i = simd ? firstSimd(ch, daddr, pp) : firstScalar(ch, daddr, pp);
    store<u32>(O + o, lengths ? (i < ch.len ? i + 1 : i) : answer(ch, i));
  }
  return OK;
}

export function chain_lookup_scalar(c: usize, b: usize, start: u32, count: u32): i32 {
  return resolve(c, b, start, count, false, false);
}

export function chain_lookup_simd(c: usize, b: usize, start: u32, count: u32): i32 {
  return resolve(c, b, start, count, true, false);
}

/** out = how many rules the scan reads before it stops: what the roofline must read too. */
export function chain_scan_length(c: usize, b: usize, start: u32, count: u32): i32 {
  return resolve(c, b, start, count, false, true);
}

/**
 * The roofline for the scan: for each packet, read and sum exactly the address
 * bytes a scan of lens[k] rules reads, as fast as v128 loads allow.
 */
export function chain_roofline(c: usize, lens: usize, start: u32, count: u32): u32 {
  const A = changetype<Chain>(c).daddr;
  let acc0 = i32x4.splat(0), acc1 = i32x4.splat(0), acc2 = i32x4.splat(0), acc3 = i32x4.splat(0);
  let tail: u32 = 0;
  for (let k = start, end = start + count; k < end; k++) {
    const n = load<u32>(lens + (<usize>k << 2));
    const n16 = n & ~15;
    let i: u32 = 0;
    for (; i < n16; i += 16) {
      const p = A + (<usize>i << 2);
      acc0 = i32x4.add(acc0, v128.load(p));
      acc1 = i32x4.add(acc1, v128.load(p, 16));
      acc2 = i32x4.add(acc2, v128.load(p, 32));
      acc3 = i32x4.add(acc3, v128.load(p, 48));
    }
    for (; i < n; i++) tail += load<u32>(A + (<usize>i << 2));
  }
  const s = i32x4.add(i32x4.add(acc0, acc1), i32x4.add(acc2, acc3));
  return tail + <u32>(i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) +
    i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3));
}
