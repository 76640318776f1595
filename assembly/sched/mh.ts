// Maglev hashing, as linux net/netfilter/ipvs/ip_vs_mh.c (Eisenbud et al., NSDI '16, §3.4): a lookup
// table of a prime M = 4093 slots (CONFIG_IP_VS_MH_TAB_INDEX 12); each dest walks its own permutation
// (offset = h1(addr, port) % M, skip = h2(addr, port) % (M - 1) + 1) and the dests, in list order,
// claim their next free slot in turns, `turns` slots a round from last_weight / gcd (shifted down
// to IP_VS_MH_TAB_BITS bits), until the table is full; rebuilt on any change. h1 and h2 are the
// kernel's hsiphash with its fixed keys. The key is the source addr (+ port with
// IP_VS_SVC_F_SCHED_MH_PORT); IP_VS_SVC_F_SCHED_MH_FALLBACK rehashes past an unavailable dest.
import { FULL, NO_MEMORY, OK, allocNil, allocWords, tryAlloc } from "../common";
import { ADDR, Dests, LAST_WEIGHT, PORT, get, idAt } from "../dest";
import { hsiphash } from "../hash";
import { Service } from "../service";
import { REHASH, hashedDest, keyPort, rehash } from "./hashed";
import { gcdWeight, maxWeight } from "./weights";

const CONFIG_IP_VS_MH_TAB_INDEX: u32 = 12;
const IP_VS_MH_TAB_BITS: i32 = CONFIG_IP_VS_MH_TAB_INDEX / 2;
export const IP_VS_MH_TAB_SIZE: u32 = 4093; // primes[CONFIG_IP_VS_MH_TAB_INDEX - 8]
const M = IP_VS_MH_TAB_SIZE;
// generate_hash_secret: hsiphash_key_t {2654435761, 2654435761} and {2654446892, 2654446892}.
const HASH1: u64 = 2654435761;
const HASH2: u64 = 2654446892;
const BITMAP_WORDS: u32 = (M + 31) >> 5;

@unmanaged class MhState {
  lookup: usize = 0;  // M list positions
  bitmap: usize = 0;  // slots taken while populating
  setup: usize = 0;   // per dest: offset, skip, perm, turns (4 words)
  setupCap: u32 = 0;
  gcd: i32 = 0;
  rshift: i32 = 0;
}

// @ts-ignore: decorator
@inline function state(svc: Service): MhState {
  return changetype<MhState>(svc.sched_data);
}

/** ip_vs_mh_hashkey: hsiphash of offset + port + addr. */
// @ts-ignore: decorator
@inline function ip_vs_mh_hashkey(addr: u32, port: u32, key: u64, offset: u32): u32 {
  return hsiphash(offset + port + addr, key, key);
}

/** ip_vs_mh_shift_weight: bits that max last_weight / gcd has beyond IP_VS_MH_TAB_BITS. */
function shiftWeight(d: Dests, g: i32): i32 {
  if (g < 1) return 0;
  const mw = maxWeight(d, LAST_WEIGHT) / g;
  const shift = (32 - <i32>clz<u32>(<u32>mw)) - IP_VS_MH_TAB_BITS; // fls(mw) - bits
  return shift >= 0 ? shift : 0;
}

/** ip_vs_mh_permutate: each dest's offset, skip and turns. */
function permutate(s: MhState, d: Dests): void {
  for (let p: u32 = 0; p < d.num; p++) {
    const id = idAt(d, p), addr = get(d, ADDR, id), port = get(d, PORT, id);
    const ds = s.setup + (<usize>p << 4);
    const offset = ip_vs_mh_hashkey(addr, port, HASH1, 0) % M;
    store<u32>(ds, offset);
    store<u32>(ds, ip_vs_mh_hashkey(addr, port, HASH2, 0) % (M - 1) + 1, 4);
    store<u32>(ds, offset, 8);
    const lw = <i32>get(d, LAST_WEIGHT, id);
    const turns = (lw / s.gcd) >> s.rshift;
    store<i32>(ds, turns != 0 ? turns : (lw != 0 ? 1 : 0), 12);
  }
}

/** ip_vs_mh_populate: dests claim slots in turns until all M are taken. */
function populate(s: MhState, d: Dests): void {
  memory.fill(s.bitmap, 0, <usize>BITMAP_WORDS << 2);
  let n: u32 = 0, count: i32 = 0;
  while (n < M) {
    for (let p: u32 = 0; p < d.num; ) {
      const ds = s.setup + (<usize>p << 4);
      const turns = load<i32>(ds, 12);
      if (turns < 1) { p++; continue; } // a dest added with zero weight takes no slot
      const skip = load<u32>(ds, 4);
      let c = load<u32>(ds, 8);
      while ((load<u32>(s.bitmap + (<usize>(c >> 5) << 2)) & (1 << (c & 31))) != 0) {
        c += skip;
        if (c >= M) c -= M;
      }
      store<u32>(ds, c, 8);
      const w = s.bitmap + (<usize>(c >> 5) << 2);
      store<u32>(w, load<u32>(w) | (1 << (c & 31)));
      store<u32>(s.lookup + (<usize>c << 2), p);
      if (++n == M) return;
      if (++count >= turns) { count = 0; p++; }
    }
  }
}

/** Setup room for n dests (doubling, at most M); false if out of memory. */
function reserveSetup(s: MhState, n: u32): bool {
  if (n <= s.setupCap) return true;
  let cap = s.setupCap < 8 ? <u32>8 : s.setupCap << 1;
  if (cap < n) cap = n;
  if (cap > M) cap = M;
  const setup = allocWords(cap << 2);
  if (setup == 0) return false;
  if (s.setup != 0) heap.free(s.setup);
  s.setup = setup;
  s.setupCap = cap;
  return true;
}

/**
 * Before a dest is listed: FULL if it would be the (M + 1)th (ip_vs_mh_reassign's -EINVAL), NO_MEMORY
 * without room for its setup; then the add_dest that follows cannot fail. Nothing changes on an error.
 */
export function reserve_dest(svc: Service): i32 {
  const n = svc.dests.num + 1;
  if (n > M) return FULL;
  return reserveSetup(state(svc), n) ? OK : NO_MEMORY;
}

/** ip_vs_mh_reassign, after ip_vs_mh_dest_changed's new gcd and rshift: the whole table again. */
function reassign(svc: Service): i32 {
  const s = state(svc), d = svc.dests;
  // More dests than slots is -EINVAL, out of memory -ENOMEM: either way the table stays as it was.
  if (d.num > M) return FULL;
  if (!reserveSetup(s, d.num)) return NO_MEMORY;
  s.gcd = gcdWeight(d, LAST_WEIGHT);
  s.rshift = shiftWeight(d, s.gcd);
  if (s.gcd < 1) { // ip_vs_mh_populate: no dest with a weight, ip_vs_mh_reset
    memory.fill(s.lookup, 0xff, <usize>M << 2);
    return OK;
  }
  permutate(s, d);
  populate(s, d);
  return OK;
}

export function init_service(svc: Service): i32 {
  const p = tryAlloc(offsetof<MhState>());
  const lookup = allocNil(M), bitmap = allocWords(BITMAP_WORDS);
  if (p == 0 || lookup == 0 || bitmap == 0) {
    if (p != 0) heap.free(p);
    if (lookup != 0) heap.free(lookup);
    if (bitmap != 0) heap.free(bitmap);
    return NO_MEMORY;
  }
  const s = changetype<MhState>(p);
  s.lookup = lookup; s.bitmap = bitmap; s.setup = 0; s.setupCap = 0;
  svc.sched_data = p;
  const code = reassign(svc);
  if (code != OK) done_service(svc);
  return code;
}

export function done_service(svc: Service): void {
  const s = state(svc);
  heap.free(s.lookup);
  heap.free(s.bitmap);
  if (s.setup != 0) heap.free(s.setup);
  heap.free(svc.sched_data);
}

/** ip_vs_mh_dest_changed: add_dest, del_dest and upd_dest. */
export function dest_changed(svc: Service, pos: u32): i32 { return reassign(svc); }

function hashkey(addr: u32, port: u32, offset: u32): u32 {
  return ip_vs_mh_hashkey(addr, port, HASH1, offset) % M;
}

/** ip_vs_mh_get_fallback's loop. */
function fallback(svc: Service, addr: u32, port: u32, ihash: u32): u32 {
  return rehash(svc, state(svc).lookup, M, addr, port, ihash, hashkey);
}

export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  const port = keyPort(svc, sport), ihash = ip_vs_mh_hashkey(saddr, port, HASH1, 0) % M;
  const p = hashedDest(svc, state(svc).lookup, ihash);
  return p != REHASH ? p : fallback(svc, saddr, port, ihash);
}

export function table(svc: Service): usize {
  return state(svc).lookup;
}
