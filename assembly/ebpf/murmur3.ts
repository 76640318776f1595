// MurmurHash3 x64 128 (cilium pkg/murmur3/murmur3.go, after smhasher's MurmurHash3.cpp): 16-byte blocks
// read as two little-endian u64, the tail, then fmix64; Hash128(data, seed) gives (h1, h2).
const C1: u64 = 0x87c37b91114253d5;
const C2: u64 = 0x4cf5ad432745937f;

// @ts-ignore: decorator
@inline function fmix64(k: u64): u64 {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccd;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53;
  k ^= k >> 33;
  return k;
}

/** h1 and h2 of Hash128 over len bytes at data. */
export class Hash128 {
  h1: u64 = 0;
  h2: u64 = 0;
}

export function hash128(data: usize, len: u32, seed: u32, out: Hash128): void {
  const nblocks = len >> 4;
  let h1: u64 = <u64>seed, h2: u64 = <u64>seed;
  for (let i: u32 = 0; i < nblocks; i++) {
    let k1 = load<u64>(data + (<usize>i << 4));
    let k2 = load<u64>(data + (<usize>i << 4), 8);
    k1 *= C1; k1 = rotl<u64>(k1, 31); k1 *= C2; h1 ^= k1;
    h1 = rotl<u64>(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
    k2 *= C2; k2 = rotl<u64>(k2, 33); k2 *= C1; h2 ^= k2;
    h2 = rotl<u64>(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
  }
  const tail = data + (<usize>nblocks << 4), rest = len & 15;
  let k1: u64 = 0, k2: u64 = 0;
  if (rest > 8) {
    for (let j: u32 = rest; j > 8; j--) k2 ^= <u64>load<u8>(tail + j - 1) << ((<u64>j - 9) << 3);
    k2 *= C2; k2 = rotl<u64>(k2, 33); k2 *= C1; h2 ^= k2;
  }
  if (rest > 0) {
    const top = rest < 8 ? rest : 8;
    for (let j: u32 = top; j > 0; j--) k1 ^= <u64>load<u8>(tail + j - 1) << ((<u64>j - 1) << 3);
    k1 *= C1; k1 = rotl<u64>(k1, 31); k1 *= C2; h1 ^= k1;
  }
  h1 ^= <u64>len; h2 ^= <u64>len;
  h1 += h2; h2 += h1;
  h1 = fmix64(h1); h2 = fmix64(h2);
  h1 += h2; h2 += h1;
  out.h1 = h1;
  out.h2 = h2;
}
