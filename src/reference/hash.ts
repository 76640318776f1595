// TS twins of assembly/hash.ts: hsiphash (linux lib/siphash.c, 64-bit: SipHash-1-3) on 32-bit halves,
// and hash_32 (include/linux/hash.h).

/** hsiphash of one u32 under the key {k0, k1}, each given as high and low 32 bits. */
export function hsiphash_1u32(first: number, k0h: number, k0l: number, k1h: number, k1l: number): number {
  let v0h = 0x736f6d65 ^ k0h,
    v0l = 0x70736575 ^ k0l;
  let v1h = 0x646f7261 ^ k1h,
    v1l = 0x6e646f6d ^ k1l;
  let v2h = 0x6c796765 ^ k0h,
    v2l = 0x6e657261 ^ k0l;
  let v3h = 0x74656462 ^ k1h,
    v3l = 0x79746573 ^ k1l;
  const bh = 4 << 24,
    bl = first | 0; // the final block: length << 56 | data
  v3h ^= bh;
  v3l ^= bl;
  let s: number, t: number;
  for (let round = 0; round < 4; round++) {
    if (round === 1) {
      v0h ^= bh;
      v0l ^= bl;
      v2l ^= 0xff;
    }
    s = (v0l >>> 0) + (v1l >>> 0);
    v0h = (v0h + v1h + (s > 0xffffffff ? 1 : 0)) | 0;
    v0l = s | 0; // v0 += v1
    t = v1h;
    v1h = (v1h << 13) | (v1l >>> 19);
    v1l = (v1l << 13) | (t >>> 19); // v1 <<<= 13
    v1h ^= v0h;
    v1l ^= v0l;
    t = v0h;
    v0h = v0l;
    v0l = t; // v0 <<<= 32
    s = (v2l >>> 0) + (v3l >>> 0);
    v2h = (v2h + v3h + (s > 0xffffffff ? 1 : 0)) | 0;
    v2l = s | 0; // v2 += v3
    t = v3h;
    v3h = (v3h << 16) | (v3l >>> 16);
    v3l = (v3l << 16) | (t >>> 16); // v3 <<<= 16
    v3h ^= v2h;
    v3l ^= v2l;
    s = (v0l >>> 0) + (v3l >>> 0);
    v0h = (v0h + v3h + (s > 0xffffffff ? 1 : 0)) | 0;
    v0l = s | 0; // v0 += v3
    t = v3h;
    v3h = (v3h << 21) | (v3l >>> 11);
    v3l = (v3l << 21) | (t >>> 11); // v3 <<<= 21
    v3h ^= v0h;
    v3l ^= v0l;
    s = (v2l >>> 0) + (v1l >>> 0);
    v2h = (v2h + v1h + (s > 0xffffffff ? 1 : 0)) | 0;
    v2l = s | 0; // v2 += v1
    t = v1h;
    v1h = (v1h << 17) | (v1l >>> 15);
    v1l = (v1l << 17) | (t >>> 15); // v1 <<<= 17
    v1h ^= v2h;
    v1l ^= v2l;
    t = v2h;
    v2h = v2l;
    v2l = t; // v2 <<<= 32
  }
  return (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

const GOLDEN_RATIO_32 = 0x61c88647;

/** hash_32: the top bits of val * GOLDEN_RATIO_32. */
export function hash_32(val: number, bits: number): number {
  return Math.imul(val, GOLDEN_RATIO_32) >>> (32 - bits);
}
