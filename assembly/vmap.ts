// The nftables "service-ips" verdict map of kubernetes pkg/proxy/nftables/proxier.go:
// "ip daddr . meta l4proto . th dport vmap @service-ips", key addr . proto . port -> verdict
// (goto service-…: here the service port's index). Element add/delete as "nft add element"
// / "delete element" (linux net/netfilter/nft_set_hash.c keeps a resizable hash).
// Open addressing with linear probing; doubles past a load factor of 3/4; deletion
// shifts the run back, so no tombstones slow later lookups. A slot keeps key and verdict
// together (16 bytes), so a probe touches one cache line. The batch lookup is staged
// (assembly/stage.ts): a group's first-slot loads are in flight together.
import {
  MISS, OK, EXISTS, NOT_FOUND, FULL, NO_MEMORY, BAD_PROTO, BAD_ARG, entryLimit,
  validProto, portProto, allocWords, mix,
} from "./common";
import { column, inBatch, COL_DADDR, COL_DPORT, COL_PROTO, COL_OUT } from "./batch";
import { LOOKUP_GROUP, STAGE_FROM_BYTES, stageColumn, stagedByGroup, validGroup } from "./stage";

const MIN_SLOTS: u32 = 16;
// A slot is empty when its pp word is 0: a valid element always has a protocol.
const EMPTY: u32 = 0;
// Slot layout: daddr, pp, verdict, unused.
const SLOT_SHIFT: u32 = 4;
const PP: usize = 4;
const VERDICT: usize = 8;

@unmanaged class Vmap {
  slots: u32 = 0;   // a power of two
  count: u32 = 0;
  limit: u32 = 0;   // most elements it takes; more is FULL
  table: usize = 0;
  peak: usize = 0;  // most bytes held at once: a doubling holds the old slots and the new

  /** lookupStaged with G probes in flight, for stagedByGroup. */
  // @ts-ignore: decorator
  @inline stage(b: usize, start: u32, count: u32, G: u32): void {
    lookupStaged(this, b, start, count, G);
  }
}

// @ts-ignore: decorator
@inline function slotAt(m: Vmap, i: u32): usize {
  return m.table + (<usize>i << SLOT_SHIFT);
}

/** Grow when count would pass 3/4 of the slots. */
// @ts-ignore: decorator
@inline function overLoad(count: u32, slots: u32): bool {
  return <u64>count * 4 > <u64>slots * 3;
}

/** A new empty map of at most limit elements (0: the largest); 0 if out of memory. */
export function vmap_new(limit: u32): usize {
  const table = allocWords(MIN_SLOTS << 2);
  if (table == 0) return 0;
  const m = new Vmap();
  m.limit = entryLimit(limit);
  m.table = table;
  m.slots = MIN_SLOTS;
  m.peak = vmapBytes(m);
  return changetype<usize>(m);
}

// @ts-ignore: decorator
@inline function vmapBytes(m: Vmap): usize {
  return offsetof<Vmap>() + (<usize>m.slots << SLOT_SHIFT);
}

/** Bytes of linear memory the map holds: its header and its slots. */
export function vmap_bytes(p: usize): usize {
  return vmapBytes(changetype<Vmap>(p));
}

/** The most bytes the map has held at once (while doubling, old and new slots). */
export function vmap_peak_bytes(p: usize): usize {
  return changetype<Vmap>(p).peak;
}

export function vmap_free(p: usize): void {
  heap.free(changetype<Vmap>(p).table);
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
    const s = slotAt(m, i);
    const q = load<u32>(s, PP);
    if (q == EMPTY || (q == pp && load<u32>(s) == daddr)) return i;
    i = (i + 1) & mask;
  }
  return 0;
}

/** Doubles the slots and reinserts; false (map unchanged) if out of memory. */
function grow(m: Vmap): bool {
  const old = m.table, n = m.slots;
  const table = allocWords(n << 3);
  if (table == 0) return false;
  m.table = table;
  m.slots = n << 1;
  const held = vmapBytes(m) + (<usize>n << SLOT_SHIFT);
  if (held > m.peak) m.peak = held;
  for (let i: u32 = 0; i < n; i++) {
    const o = old + (<usize>i << SLOT_SHIFT);
    const pp = load<u32>(o, PP);
    if (pp == EMPTY) continue;
    memory.copy(slotAt(m, probe(m, load<u32>(o), pp)), o, 1 << SLOT_SHIFT);
  }
  heap.free(old);
  return true;
}

/** nft add element: EXISTS if the key is already mapped (the first verdict stays). */
export function vmap_insert(p: usize, daddr: u32, port: u32, proto: u32, verdict: u32): i32 {
  if (!validProto(proto) || port > 0xffff) return BAD_PROTO;
  const m = changetype<Vmap>(p);
  const pp = portProto(port, proto);
  let i = probe(m, daddr, pp);
  if (load<u32>(slotAt(m, i), PP) != EMPTY) return EXISTS;
  if (m.count >= m.limit) return FULL;
  if (overLoad(m.count + 1, m.slots)) {
    if (!grow(m)) return NO_MEMORY;
    i = probe(m, daddr, pp);
  }
  const s = slotAt(m, i);
  store<u32>(s, daddr);
  store<u32>(s, pp, PP);
  store<u32>(s, verdict, VERDICT);
  m.count++;
  return OK;
}

/** nft delete element: empties the slot and shifts later members of its run back. */
export function vmap_delete(p: usize, daddr: u32, port: u32, proto: u32): i32 {
  const m = changetype<Vmap>(p);
  const pp = portProto(port, proto);
  if (pp == EMPTY) return NOT_FOUND;
  let hole = probe(m, daddr, pp);
  if (load<u32>(slotAt(m, hole), PP) == EMPTY) return NOT_FOUND;
  const mask = m.slots - 1;
  let j = hole;
  while (true) {
    j = (j + 1) & mask;
    const sj = slotAt(m, j);
    const q = load<u32>(sj, PP);
    if (q == EMPTY) break;
    const home = mix(load<u32>(sj), q) & mask;
    // j may move to the hole only if its home is not cyclically inside (hole, j].
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      memory.copy(slotAt(m, hole), sj, 1 << SLOT_SHIFT);
      hole = j;
    }
  }
  store<u32>(slotAt(m, hole), EMPTY, PP);
  m.count--;
  return OK;
}

/** The vmap statement for each packet of [start, start+count), one probe after another: out = verdict or MISS. */
export function vmap_lookup_plain(p: usize, b: usize, start: u32, count: u32): i32 {
  if (!inBatch(b, start, count)) return BAD_ARG;
  const m = changetype<Vmap>(p);
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO), O = column(b, COL_OUT);
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const pp = portProto(load<u32>(T + o), load<u32>(R + o));
    const s = slotAt(m, probe(m, load<u32>(D + o), pp));
    store<u32>(O + o, pp != EMPTY && load<u32>(s, PP) == pp ? load<u32>(s, VERDICT) : MISS);
  }
  return OK;
}

/**
 * The same answers, G probes in flight: every round loads the slot each probe stands on, all at
 * once, loads that do not wait on each other, so their misses overlap; then each probe goes on
 * while it stays in a cache line already loaded (one that runs into the next line waits for the
 * next round), and new packets take the places of finished ones, so that G loads go out every
 * round until the batch ends.
 */
// @ts-ignore: decorator
@inline function lookupStaged(m: Vmap, b: usize, start: u32, count: u32, G: u32): void {
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO), O = column(b, COL_OUT);
  // Per probe in flight: the slot it stands on, its key word, that slot's pp as loaded, its packet.
  const A = stageColumn(0), Q = stageColumn(1), F = stageColumn(2), K = stageColumn(3);
  const mask = m.slots - 1;
  let next = start, pending: u32 = 0;
  const end = start + count;
  while (true) {
    for (let i: u32 = 0; i < pending; i++) {
      const w = <usize>i << 2;
      store<u32>(F + w, load<u32>(slotAt(m, load<u32>(A + w)), PP));
    }
    let left: u32 = 0;
    for (let i: u32 = 0; i < pending; i++) {
      const w = <usize>i << 2, k = load<u32>(K + w), o = <usize>k << 2;
      const pp = load<u32>(Q + w), daddr = load<u32>(D + o);
      let x = load<u32>(A + w), q = load<u32>(F + w);
      // An empty pp (no protocol) is never stored, so such a packet runs to an empty slot: MISS.
      while (true) {
        if (q == EMPTY) { store<u32>(O + o, MISS); break; }
        const sl = slotAt(m, x);
        if (q == pp && load<u32>(sl) == daddr) { store<u32>(O + o, load<u32>(sl, VERDICT)); break; }
        x = (x + 1) & mask;
        const nx = slotAt(m, x);
        if ((nx & 63) == 0) {
          const l = <usize>left << 2;
          store<u32>(A + l, x);
          store<u32>(Q + l, pp);
          store<u32>(K + l, k);
          left++;
          break;
        }
        q = load<u32>(nx, PP);
      }
    }
    for (; left < G && next < end; left++, next++) {
      const o = <usize>next << 2, l = <usize>left << 2;
      const pp = portProto(load<u32>(T + o), load<u32>(R + o));
      store<u32>(A + l, mix(load<u32>(D + o), pp) & mask);
      store<u32>(Q + l, pp);
      store<u32>(K + l, next);
    }
    if (left == 0) break;
    pending = left;
  }
}

/**
 * The vmap statement for each packet of [start, start+count): staged in groups of LOOKUP_GROUP past the
 * L2-sized tables.
 */
export function vmap_lookup(p: usize, b: usize, start: u32, count: u32): i32 {
  const m = changetype<Vmap>(p);
  if (vmapBytes(m) < STAGE_FROM_BYTES) return vmap_lookup_plain(p, b, start, count);
  if (!inBatch(b, start, count)) return BAD_ARG;
  lookupStaged(m, b, start, count, LOOKUP_GROUP);
  return OK;
}

/** vmap_lookup in groups of g (4, 8, 16 or 32), each compiled with its g: the group sweep. */
export function vmap_lookup_group(p: usize, b: usize, start: u32, count: u32, g: u32): i32 {
  if (!inBatch(b, start, count) || !validGroup(g)) return BAD_ARG;
  stagedByGroup(changetype<Vmap>(p), b, start, count, g);
  return OK;
}
