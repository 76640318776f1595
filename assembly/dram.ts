// The memory system's limit for a hash lookup (the hash cores' roofline): random reads of
// 64-byte lines over a buffer the size of a table. Each line holds the index of the next one on
// a single random cycle (Sattolo's shuffle), so a read's address depends on the read before:
// one cursor is one dependent random read after another; g cursors are g independent reads
// in flight at once, the most a staged lookup of groups of g can overlap.
import { tryAlloc } from "./common";
import { GROUP_MAX } from "./stage";

const LINE_SHIFT: u32 = 6;

@unmanaged class Dram {
  lines: u32 = 0;
  buf: usize = 0;
  cursors: usize = 0; // GROUP_MAX line indices
}

/** A buffer of about `bytes` (at least 2 lines) on one random cycle from seed; 0 if out of memory. */
export function dram_new(bytes: u32, seed: u32): usize {
  const lines: u32 = max<u32>(2, bytes >>> LINE_SHIFT);
  const buf = tryAlloc(<usize>lines << LINE_SHIFT);
  if (buf == 0) return 0;
  const cursors = tryAlloc(GROUP_MAX << 2);
  if (cursors == 0) { heap.free(buf); return 0; }
  for (let i: u32 = 0; i < lines; i++) store<u32>(buf + (<usize>i << LINE_SHIFT), i);
  let x = seed | 1; // xorshift32
  for (let i: u32 = lines - 1; i > 0; i--) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const j = x % i; // Sattolo: j < i, so the permutation is one cycle
    const a = buf + (<usize>i << LINE_SHIFT), b = buf + (<usize>j << LINE_SHIFT);
    const t = load<u32>(a);
    store<u32>(a, load<u32>(b));
    store<u32>(b, t);
  }
  for (let c: u32 = 0; c < GROUP_MAX; c++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    store<u32>(cursors + (<usize>c << 2), x % lines);
  }
  const d = new Dram();
  d.lines = lines;
  d.buf = buf;
  d.cursors = cursors;
  return changetype<usize>(d);
}

export function dram_free(p: usize): void {
  const d = changetype<Dram>(p);
  heap.free(d.buf);
  heap.free(d.cursors);
  heap.free(p);
}

/** count reads as g (1..GROUP_MAX) chases taking turns, each going on from where it stopped; a checksum. */
export function dram_read(p: usize, count: u32, g: u32): u32 {
  const d = changetype<Dram>(p);
  if (g == 0 || g > GROUP_MAX) return 0;
  const buf = d.buf, C = d.cursors;
  for (let k: u32 = 0; k < count; k += g) {
    const n = min(g, count - k);
    for (let c: u32 = 0; c < n; c++) {
      const at = C + (<usize>c << 2);
      store<u32>(at, load<u32>(buf + (<usize>load<u32>(at) << LINE_SHIFT)));
    }
  }
  let sum: u32 = 0;
  for (let c: u32 = 0; c < g; c++) sum ^= load<u32>(C + (<usize>c << 2));
  return sum;
}
