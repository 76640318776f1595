// jhash2 (linux include/linux/jhash.h) for keys of one to three u32 words: a = b = c = JHASH_INITVAL +
// (length << 2) + initval, the words added to a, b, c in turn, then __jhash_final. It is what
// kernel/bpf/hashtab.c's htab_map_hash computes for a key whose size is a multiple of 4, and with
// three words it is jhash_3words, which cilium bpf/lib/hash.h uses for the Maglev flow hash.
const JHASH_INITVAL: u32 = 0xdeadbeef;

/** __jhash_final(a, b, c): c. */
// @ts-ignore: decorator
@inline export function jhashFinal(a: u32, b: u32, c: u32): u32 {
  c ^= b; c -= rotl<u32>(b, 14);
  a ^= c; a -= rotl<u32>(c, 11);
  b ^= a; b -= rotl<u32>(a, 25);
  c ^= b; c -= rotl<u32>(b, 16);
  a ^= c; a -= rotl<u32>(c, 4);
  b ^= a; b -= rotl<u32>(a, 14);
  c ^= b; c -= rotl<u32>(b, 24);
  return c;
}

/** jhash2 of the first `length` (1..3) of k0, k1, k2. */
// @ts-ignore: decorator
@inline export function jhash2(length: u32, k0: u32, k1: u32, k2: u32, initval: u32): u32 {
  const iv = JHASH_INITVAL + (length << 2) + initval;
  return jhashFinal(iv + k0, length >= 2 ? iv + k1 : iv, length >= 3 ? iv + k2 : iv);
}

export function jhash2_words(length: u32, k0: u32, k1: u32, k2: u32, initval: u32): u32 {
  return jhash2(length, k0, k1, k2, initval);
}
