// Shared result codes, key packing and allocation for every svcbench core.
// Errors are codes, never traps: the host turns each into a clear message.

/** Lookup answer when no entry matches. */
export const MISS: u32 = 0xffffffff;
/** End of a chain / empty slot marker in index columns. */
export const NIL: u32 = 0xffffffff;

export const OK: i32 = 0;
export const EXISTS: i32 = 1;     // the key is already present (ipvs: -EEXIST)
export const NOT_FOUND: i32 = 2;  // nothing to delete (ipvs: -ESRCH)
export const FULL: i32 = 3;       // past the table's stated capacity
export const NO_MEMORY: i32 = 4;  // linear memory cannot grow enough
export const BAD_PROTO: i32 = 5;  // Services carry TCP, UDP or SCTP only
export const BAD_ARG: i32 = 6;    // a size or index out of range

/** Most entries any one table holds: 8M service ports. */
export const MAX_ENTRIES: u32 = 1 << 23;

/** A table's entry limit: what the host asked for, 0 or too much meaning MAX_ENTRIES. */
export function entryLimit(limit: u32): u32 {
  return limit == 0 || limit > MAX_ENTRIES ? MAX_ENTRIES : limit;
}

export const IPPROTO_TCP: u32 = 6;
export const IPPROTO_UDP: u32 = 17;
export const IPPROTO_SCTP: u32 = 132;

/** The protocols a Kubernetes Service port may use. */
// @ts-ignore: decorator
@inline export function validProto(proto: u32): bool {
  return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

/**
 * proto and port in one word, as the rule's "-p proto --dport port" pair. A packet's port past 65535
 * or proto past 255 gets NIL, which no entry holds (entries are checked first), so it never aliases one.
 */
// @ts-ignore: decorator
@inline export function portProto(port: u32, proto: u32): u32 {
  return port > 0xffff || proto > 0xff ? NIL : (proto << 16) | port;
}

const MAX_PAGES: i32 = 65536; // wasm32: 4 GiB
let maxPages: i32 = MAX_PAGES;

/**
 * The most 64 KiB pages linear memory may grow to: wasm32's 65536 (4 GiB), or fewer to stand
 * for a host with less to give (0 restores 65536). Returns the pages memory has now.
 */
export function memory_max_pages(pages: i32): i32 {
  maxPages = pages <= 0 || pages > MAX_PAGES ? MAX_PAGES : pages;
  return memory.size();
}

/**
 * heap.alloc that answers 0 instead of trapping when linear memory
 * could not grow by what the allocator may ask for.
 */
export function tryAlloc(bytes: usize): usize {
  const pages = <i32>((bytes + 0xffff) >> 16) + 1;
  if (memory.size() + pages > maxPages) return 0;
  return heap.alloc(bytes);
}

/** tryAlloc of n zero-filled u32 words. */
export function allocWords(n: u32): usize {
  const bytes = <usize>n << 2;
  const p = tryAlloc(bytes);
  if (p != 0) memory.fill(p, 0, bytes);
  return p;
}

/** tryAlloc of n u32 words all set to NIL. */
export function allocNil(n: u32): usize {
  const bytes = <usize>n << 2;
  const p = tryAlloc(bytes);
  if (p != 0) memory.fill(p, 0xff, bytes);
  return p;
}

/** Moves the first n words of old into new, then frees old (if any). */
export function moveWords(dst: usize, old: usize, n: u32): void {
  if (old == 0) return;
  memory.copy(dst, old, <usize>n << 2);
  heap.free(old);
}

/** Scratch words the host fills (rules to load, scan lengths); 0 if out of memory. */
export function words_new(n: u32): usize {
  return n > MAX_ENTRIES * 4 ? 0 : allocWords(n);
}

export function words_free(p: usize): void {
  heap.free(p);
}

/** A 32-bit avalanche mix (murmur3 fmix32) of the key words. */
// @ts-ignore: decorator
@inline export function mix(addr: u32, pp: u32): u32 {
  let h = addr ^ (pp * 0x9e3779b1);
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}
