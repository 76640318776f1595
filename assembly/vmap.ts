// The nftables "service-ips" verdict map of kubernetes pkg/proxy/nftables/proxier.go:
// "ip daddr . meta l4proto . th dport vmap @service-ips", key addr . proto . port -> verdict
// (goto service-…: here the service port's index). Element add/delete as "nft add element"
// / "delete element" (linux net/netfilter/nft_set_hash.c keeps a resizable hash).
// Open addressing with linear probing; doubles past a load factor of 3/4; deletion
// shifts the run back, so no tombstones slow later lookups.
import {
  MISS, OK, EXISTS, NOT_FOUND, FULL, NO_MEMORY, BAD_PROTO, BAD_ARG, entryLimit,
  validProto, portProto, allocWords, mix,
} from "./common";
import { column, inBatch, COL_DADDR, COL_DPORT, COL_PROTO, COL_OUT } from "./batch";

const MIN_SLOTS: u32 = 16;
// A slot is empty when its pp word is 0: a valid element always has a protocol.
const EMPTY: u32 = 0;

@unmanaged class Vmap {
  slots: u32 = 0;   // a power of two
  count: u32 = 0;
  limit: u32 = 0;   // most elements it takes; more is FULL
  daddr: usize = 0;
  pp: usize = 0;
  verdict: usize = 0;
}

/** Grow when count would pass 3/4 of the slots. */
// @ts-ignore: decorator
@inline function overLoad(count: u32, slots: u32): bool {
  return <u64>count * 4 > <u64>slots * 3;
}

function allocSlots(m: Vmap, slots: u32): bool {
  const d = allocWords(slots), p = allocWords(slots), v = allocWords(slots);
  if (d == 0 || p == 0 || v == 0) {
    if (d != 0) heap.free(d);
    if (p != 0) heap.free(p);
    if (v != 0) heap.free(v);
    return false;
  }
  m.daddr = d; m.pp = p; m.verdict = v; m.slots = slots;
  return true;
}

/** A new empty map of at most limit elements (0: the largest); 0 if out of memory. */
export function vmap_new(limit: u32): usize {
  const m = new Vmap();
  m.limit = entryLimit(limit);
  if (!allocSlots(m, MIN_SLOTS)) { heap.free(changetype<usize>(m)); return 0; }
  return changetype<usize>(m);
}

export function vmap_free(p: usize): void {
  const m = changetype<Vmap>(p);
  heap.free(m.daddr); heap.free(m.pp); heap.free(m.verdict);
  heap.free(p);
}

export function vmap_count(p: usize): u32 {
  return changetype<Vmap>(p).count;
}

export function vmap_slots(p: usize): u32 {
  return changetype<Vmap>(p).slots;
}

/** Slot holding the key, or the empty slot where it would go. */
// @ts-ignore: decorator
@inline function probe(m: Vmap, daddr: u32, pp: u32): u32 {
  const mask = m.slots - 1;
  let i = mix(daddr, pp) & mask;
  while (true) {
    const o = <usize>i << 2;
    const q = load<u32>(m.pp + o);
    if (q == EMPTY || (q == pp && load<u32>(m.daddr + o) == daddr)) return i;
    i = (i + 1) & mask;
  }
  return 0;
}

/** Doubles the slots and reinserts; false (map unchanged) if out of memory. */
function grow(m: Vmap): bool {
  const od = m.daddr, op = m.pp, ov = m.verdict, n = m.slots;
  if (!allocSlots(m, n << 1)) return false;
  for (let i: u32 = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pp = load<u32>(op + o);
    if (pp == EMPTY) continue;
    const d = load<u32>(od + o);
    const s = <usize>probe(m, d, pp) << 2;
    store<u32>(m.daddr + s, d);
    store<u32>(m.pp + s, pp);
    store<u32>(m.verdict + s, load<u32>(ov + o));
  }
  heap.free(od); heap.free(op); heap.free(ov);
  return true;
}

/** nft add element: EXISTS if the key is already mapped (the first verdict stays). */
export function vmap_insert(p: usize, daddr: u32, port: u32, proto: u32, verdict: u32): i32 {
  if (!validProto(proto) || port > 0xffff) return BAD_PROTO;
  const m = changetype<Vmap>(p);
  const pp = portProto(port, proto);
  let s = probe(m, daddr, pp);
  if (load<u32>(m.pp + (<usize>s << 2)) != EMPTY) return EXISTS;
  if (m.count >= m.limit) return FULL;
  if (overLoad(m.count + 1, m.slots)) {
    if (!grow(m)) return NO_MEMORY;
    s = probe(m, daddr, pp);
  }
  const o = <usize>s << 2;
  store<u32>(m.daddr + o, daddr);
  store<u32>(m.pp + o, pp);
  store<u32>(m.verdict + o, verdict);
  m.count++;
  return OK;
}

/** nft delete element: empties the slot and shifts later members of its run back. */
export function vmap_delete(p: usize, daddr: u32, port: u32, proto: u32): i32 {
  const m = changetype<Vmap>(p);
  const pp = portProto(port, proto);
  if (pp == EMPTY) return NOT_FOUND;
  let hole = probe(m, daddr, pp);
  if (load<u32>(m.pp + (<usize>hole << 2)) == EMPTY) return NOT_FOUND;
  const mask = m.slots - 1;
  let j = hole;
  while (true) {
    j = (j + 1) & mask;
    const oj = <usize>j << 2;
    const q = load<u32>(m.pp + oj);
    if (q == EMPTY) break;
    const home = mix(load<u32>(m.daddr + oj), q) & mask;
    // j may move to the hole only if its home is not cyclically inside (hole, j].
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      const oh = <usize>hole << 2;
      store<u32>(m.daddr + oh, load<u32>(m.daddr + oj));
      store<u32>(m.pp + oh, q);
      store<u32>(m.verdict + oh, load<u32>(m.verdict + oj));
      hole = j;
    }
  }
  store<u32>(m.pp + (<usize>hole << 2), EMPTY);
  m.count--;
  return OK;
}

/** The vmap statement for each packet of [start, start+count): out = verdict or MISS. */
export function vmap_lookup(p: usize, b: usize, start: u32, count: u32): i32 {
  if (!inBatch(b, start, count)) return BAD_ARG;
  const m = changetype<Vmap>(p);
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO), O = column(b, COL_OUT);
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const pp = portProto(load<u32>(T + o), load<u32>(R + o));
    const s = <usize>probe(m, load<u32>(D + o), pp) << 2;
    store<u32>(O + o, pp != EMPTY && load<u32>(m.pp + s) == pp ? load<u32>(m.verdict + s) : MISS);
  }
  return OK;
}
