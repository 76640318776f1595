// TS twin of assembly/ebpf/murmur3.ts: MurmurHash3 x64 128 (cilium pkg/murmur3/murmur3.go) in BigInt.
const M64 = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n,
  C2 = 0x4cf5ad432745937fn;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M64;
const mul = (a: bigint, b: bigint) => (a * b) & M64;
const add = (a: bigint, b: bigint) => (a + b) & M64;

function fmix64(k: bigint): bigint {
  k ^= k >> 33n;
  k = mul(k, 0xff51afd7ed558ccdn);
  k ^= k >> 33n;
  k = mul(k, 0xc4ceb9fe1a85ec53n);
  return k ^ (k >> 33n);
}

/** Hash128(data, seed): [h1, h2]. */
export function hash128(data: Uint8Array, seed: number): [bigint, bigint] {
  const nblocks = data.length >> 4;
  const le64 = (at: number) => {
    let v = 0n;
    for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(data[at + j]);
    return v;
  };
  let h1 = BigInt(seed >>> 0),
    h2 = h1;
  for (let i = 0; i < nblocks; i++) {
    const k1 = mul(rotl(mul(le64(i * 16), C1), 31n), C2);
    h1 = add(mul(add(rotl(h1 ^ k1, 27n), h2), 5n), 0x52dce729n);
    const k2 = mul(rotl(mul(le64(i * 16 + 8), C2), 33n), C1);
    h2 = add(mul(add(rotl(h2 ^ k2, 31n), h1), 5n), 0x38495ab5n);
  }
  const tail = nblocks * 16,
    rest = data.length & 15;
  let k1 = 0n,
    k2 = 0n;
  for (let j = rest; j > 8; j--) k2 ^= BigInt(data[tail + j - 1]) << BigInt((j - 9) * 8);
  if (rest > 8) h2 ^= mul(rotl(mul(k2, C2), 33n), C1);
  for (let j = Math.min(rest, 8); j > 0; j--) k1 ^= BigInt(data[tail + j - 1]) << BigInt((j - 1) * 8);
  if (rest > 0) h1 ^= mul(rotl(mul(k1, C1), 31n), C2);
  const len = BigInt(data.length);
  h1 ^= len;
  h2 ^= len;
  h1 = add(h1, h2);
  h2 = add(h2, h1);
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 = add(h1, h2);
  h2 = add(h2, h1);
  return [h1, h2];
}
