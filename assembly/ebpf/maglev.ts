// Cilium's Maglev lookup table (cilium pkg/maglev/maglev.go, GetLookupTable) and the flow hash its
// datapath indexes it with (cilium bpf/lib/lb.h lb4_select_backend_id, bpf/lib/hash.h hash_from_tuple_v4).
// Backends are named "a.b.c.d:port" and listed sorted by name (the caller sorts, as the agent's
// UpsertMaglevLookupTable does); each gets offset = h1 % M and skip = h2 % (M - 1) + 1 from
// murmur3 Hash128(name, seedMurmur); then for n = 0 .. M-1 backend n % len claims the next free slot of
// its permutation (offset + j * skip) % M. One slot per backend per turn: no weights. Pick:
// table[jhash_3words(saddr, dport << 16 | sport, proto, HASH_INIT4_SEED) % M].
// Cilium precomputes each permutation in full (len × M u64); walking it as offset + j * skip gives the same slots.
import { BAD_ARG, NO_MEMORY, OK, allocWords, tryAlloc } from "../common";
import { column, inBatch, COL_DPORT, COL_OUT, COL_PROTO, COL_SADDR, COL_SPORT } from "../batch";
import { jhash2 } from "../hash";
import { Hash128, hash128 } from "./murmur3";

/** Table sizes Cilium accepts (--bpf-lb-maglev-table-size): primes; 16381 is the default. */
export const MAGLEV_PRIMES: StaticArray<u32> = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071];

function validM(m: u32): bool {
  for (let i = 0; i < MAGLEV_PRIMES.length; i++) if (MAGLEV_PRIMES[i] == m) return true;
  return false;
}

/** Writes "a.b.c.d:port" at p; its length. */
function writeDecimal(p: usize, v: u32): usize {
  let digits: usize = 1;
  for (let x = v; x >= 10; x /= 10) digits++;
  for (let i = digits; i > 0; i--) { store<u8>(p + i - 1, <u8>(48 + v % 10)); v /= 10; }
  return digits;
}

export function backendName(p: usize, addr: u32, port: u32): u32 {
  let at = p;
  for (let s: i32 = 24; s >= 0; s -= 8) {
    at += writeDecimal(at, (addr >>> s) & 0xff);
    store<u8>(at++, s == 0 ? 58 : 46); // ':' after the last octet, '.' between
  }
  at += writeDecimal(at, port);
  return <u32>(at - p);
}

/**
 * Fills table (M words) with backend positions 0..n-1 for the n backends at `backends` (addr, port
 * pairs, sorted by name). BAD_ARG if M is not one of Cilium's primes or n is 0 or above M; NO_MEMORY.
 */
export function maglev_table(table: usize, m: u32, backends: usize, n: u32, seed: u32): i32 {
  if (!validM(m) || n == 0 || n > m) return BAD_ARG;
  const scratch = tryAlloc(32), perm = allocWords(n * 3);
  if (scratch == 0 || perm == 0) {
    if (scratch != 0) heap.free(scratch);
    if (perm != 0) heap.free(perm);
    return NO_MEMORY;
  }
  const h = new Hash128();
  for (let i: u32 = 0; i < n; i++) {
    const len = backendName(scratch, load<u32>(backends + (<usize>i << 3)), load<u32>(backends + (<usize>i << 3), 4));
    hash128(scratch, len, seed, h);
    const q = perm + <usize>i * 12;
    store<u32>(q, <u32>(h.h1 % <u64>m));             // offset
    store<u32>(q, <u32>(h.h2 % <u64>(m - 1)) + 1, 4); // skip
    store<u32>(q, 0, 8);                              // next
  }
  memory.fill(table, 0xff, <usize>m << 2);
  for (let k: u32 = 0; k < m; k++) {
    const i = k % n, q = perm + <usize>i * 12;
    const offset = <u64>load<u32>(q), skip = <u64>load<u32>(q, 4);
    let next = load<u32>(q, 8);
    let c = <u32>((offset + <u64>next * skip) % <u64>m);
    while (load<i32>(table + (<usize>c << 2)) >= 0) {
      next++;
      c = <u32>((offset + <u64>next * skip) % <u64>m);
    }
    store<u32>(table + (<usize>c << 2), i);
    store<u32>(q, next + 1, 8);
  }
  heap.free(scratch);
  heap.free(perm);
  return OK;
}

/** The murmur3 Hash128 of a backend's name (for tests against Cilium's Go): h1 into out[0..1], h2 into out[2..3]. */
export function maglev_name_hash(addr: u32, port: u32, seed: u32, out: usize): u32 {
  const scratch = tryAlloc(32);
  if (scratch == 0) return 0;
  const len = backendName(scratch, addr, port);
  const h = new Hash128();
  hash128(scratch, len, seed, h);
  store<u64>(out, h.h1);
  store<u64>(out, h.h2, 8);
  heap.free(scratch);
  return len;
}

/** lb4_select_backend_id with Maglev for each packet of [start, start+count): out = table[hash % M]. */
export function maglev_pick(table: usize, m: u32, b: usize, start: u32, count: u32, seed: u32): i32 {
  if (!inBatch(b, start, count) || m == 0) return BAD_ARG;
  const S = column(b, COL_SADDR), P = column(b, COL_SPORT), T = column(b, COL_DPORT), R = column(b, COL_PROTO), O = column(b, COL_OUT);
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const hash = jhash2(3, load<u32>(S + o), (load<u32>(T + o) << 16) | (load<u32>(P + o) & 0xffff), load<u32>(R + o), seed);
    store<u32>(O + o, load<u32>(table + (<usize>(hash % m) << 2)));
  }
  return OK;
}
