// The kernel hashes the models use: hsiphash (linux lib/siphash.c, 64-bit build), jhash2 and
// jhash_3words (include/linux/jhash.h) and hash_32 (include/linux/hash.h).

/**
 * hsiphash of one u32 under the key {k0, k1}. On 64-bit kernels hsiphash is SipHash-1-3
 * (lib/siphash.c: "we make HalfSipHash1-3 actually be SipHash1-3"): one compression round
 * over the final block (length << 56 | data), three finalization rounds, 32 bits out.
 */
// @ts-ignore: decorator
@inline export function hsiphash(first: u32, k0: u64, k1: u64): u32 {
  let v0: u64 = 0x736f6d6570736575 ^ k0;
  let v1: u64 = 0x646f72616e646f6d ^ k1;
  let v2: u64 = 0x6c7967656e657261 ^ k0;
  let v3: u64 = 0x7465646279746573 ^ k1;
  const b: u64 = (<u64>4 << 56) | <u64>first;
  // SIPROUND written out, as the kernel's macro expands: a loop over it costs a fifth more per mh pick.
  v3 ^= b;
  v0 += v1; v1 = rotl<u64>(v1, 13); v1 ^= v0; v0 = rotl<u64>(v0, 32);
  v2 += v3; v3 = rotl<u64>(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl<u64>(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl<u64>(v1, 17); v1 ^= v2; v2 = rotl<u64>(v2, 32);
  v0 ^= b;
  v2 ^= 0xff;
  v0 += v1; v1 = rotl<u64>(v1, 13); v1 ^= v0; v0 = rotl<u64>(v0, 32);
  v2 += v3; v3 = rotl<u64>(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl<u64>(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl<u64>(v1, 17); v1 ^= v2; v2 = rotl<u64>(v2, 32);
  v0 += v1; v1 = rotl<u64>(v1, 13); v1 ^= v0; v0 = rotl<u64>(v0, 32);
  v2 += v3; v3 = rotl<u64>(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl<u64>(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl<u64>(v1, 17); v1 ^= v2; v2 = rotl<u64>(v2, 32);
  v0 += v1; v1 = rotl<u64>(v1, 13); v1 ^= v0; v0 = rotl<u64>(v0, 32);
  v2 += v3; v3 = rotl<u64>(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl<u64>(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl<u64>(v1, 17); v1 ^= v2; v2 = rotl<u64>(v2, 32);
  return <u32>((v0 ^ v1) ^ (v2 ^ v3));
}

/** hsiphash as an export (the test vectors of linux lib/test_siphash.c check it). */
export function hsiphash_1u32(first: u32, k0: u64, k1: u64): u32 {
  return hsiphash(first, k0, k1);
}

const JHASH_INITVAL: u32 = 0xdeadbeef;

/** __jhash_final(a, b, c): c. */
// @ts-ignore: decorator
@inline function jhashFinal(a: u32, b: u32, c: u32): u32 {
  c ^= b; c -= rotl<u32>(b, 14);
  a ^= c; a -= rotl<u32>(c, 11);
  b ^= a; b -= rotl<u32>(a, 25);
  c ^= b; c -= rotl<u32>(b, 16);
  a ^= c; a -= rotl<u32>(c, 4);
  b ^= a; b -= rotl<u32>(a, 14);
  c ^= b; c -= rotl<u32>(b, 24);
  return c;
}

/**
 * jhash2 of the first `length` (1..3) of k0, k1, k2: a = b = c = JHASH_INITVAL + (length << 2) + initval,
 * the words added in turn, then __jhash_final. With three words it is jhash_3words; it is what
 * kernel/bpf/hashtab.c's htab_map_hash computes for a key whose size is a multiple of 4.
 */
// @ts-ignore: decorator
@inline export function jhash2(length: u32, k0: u32, k1: u32, k2: u32, initval: u32): u32 {
  const iv = JHASH_INITVAL + (length << 2) + initval;
  return jhashFinal(iv + k0, length >= 2 ? iv + k1 : iv, length >= 3 ? iv + k2 : iv);
}

/** jhash_3words: __jhash_nwords(a, b, c, initval + JHASH_INITVAL + (3 << 2)), then __jhash_final. */
// @ts-ignore: decorator
@inline export function jhash_3words(a: u32, b: u32, c: u32, initval: u32): u32 {
  return jhash2(3, a, b, c, initval);
}

/** jhash2 as an export (tests against the TS twin). */
export function jhash2_words(length: u32, k0: u32, k1: u32, k2: u32, initval: u32): u32 {
  return jhash2(length, k0, k1, k2, initval);
}

const GOLDEN_RATIO_32: u32 = 0x61c88647;

/** hash_32: the top bits of val * GOLDEN_RATIO_32. */
// @ts-ignore: decorator
@inline export function hash_32(val: u32, bits: u32): u32 {
  return (val * GOLDEN_RATIO_32) >>> (32 - bits);
}
