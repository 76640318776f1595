// TS twin of assembly/ebpf/maglev.ts: Cilium's Maglev table (cilium pkg/maglev/maglev.go GetLookupTable)
// and its datapath pick (cilium bpf/lib/lb.h lb4_select_backend_id, bpf/lib/hash.h hash_from_tuple_v4).
import { Result, SvcbenchError } from "../../core";
import { Backend, backendName, MAGLEV_PRIMES } from "../../ebpf/lb4";
import { jhash2 } from "./jhash";
import { hash128 } from "./murmur3";

/** getOffsetAndSkip: offset = h1 % M, skip = h2 % (M - 1) + 1. */
function offsetAndSkip(b: Backend, m: number, seed: number): [number, number] {
  const [h1, h2] = hash128(Buffer.from(backendName(b)), seed);
  return [Number(h1 % BigInt(m)), Number(h2 % BigInt(m - 1)) + 1];
}

/** GetLookupTable of backends already sorted by name: M backend positions. */
export function maglevTable(backends: readonly Backend[], m: number, seed: number): Uint32Array {
  const n = backends.length;
  if (!(MAGLEV_PRIMES as readonly number[]).includes(m) || n === 0 || n > m) {
    throw new SvcbenchError(
      `maglev: ${n} backends for a table of ${m} (M must be one of ${MAGLEV_PRIMES.join(", ")}, 0 < backends <= M)`,
      Result.BAD_ARG,
    );
  }
  const perm = backends.map((b) => offsetAndSkip(b, m, seed));
  const next = new Array<number>(n).fill(0);
  const entry = new Int32Array(m).fill(-1);
  for (let k = 0; k < m; k++) {
    const i = k % n,
      [offset, skip] = perm[i];
    let c = (offset + next[i] * skip) % m;
    while (entry[c] >= 0) {
      next[i]++;
      c = (offset + next[i] * skip) % m;
    }
    entry[c] = i;
    next[i]++;
  }
  return new Uint32Array(entry.buffer);
}

/** table[jhash_3words(saddr, dport << 16 | sport, proto, seed) % M]. */
export function maglevPick(
  table: Uint32Array,
  saddr: number,
  sport: number,
  dport: number,
  proto: number,
  seed: number,
): number {
  return table[jhash2(3, saddr >>> 0, ((dport << 16) | (sport & 0xffff)) >>> 0, proto >>> 0, seed) % table.length];
}
