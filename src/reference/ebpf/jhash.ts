// TS twin of assembly/ebpf/jhash.ts: jhash2 (linux include/linux/jhash.h) of one to three u32 words.
const JHASH_INITVAL = 0xdeadbeef;
const rol = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** __jhash_final(a, b, c): c. */
function jhashFinal(a: number, b: number, c: number): number {
  c = ((c ^ b) - rol(b, 14)) >>> 0;
  a = ((a ^ c) - rol(c, 11)) >>> 0;
  b = ((b ^ a) - rol(a, 25)) >>> 0;
  c = ((c ^ b) - rol(b, 16)) >>> 0;
  a = ((a ^ c) - rol(c, 4)) >>> 0;
  b = ((b ^ a) - rol(a, 14)) >>> 0;
  c = ((c ^ b) - rol(b, 24)) >>> 0;
  return c;
}

export function jhash2(length: number, k0: number, k1: number, k2: number, initval: number): number {
  const iv = (JHASH_INITVAL + (length << 2) + initval) >>> 0;
  return jhashFinal((iv + k0) >>> 0, length >= 2 ? (iv + k1) >>> 0 : iv, length >= 3 ? (iv + k2) >>> 0 : iv);
}
