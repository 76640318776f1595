// A packet batch: the host fills input columns, one export resolves them all.
// Layout: [cap u32][pad to 16 bytes] then BATCH_COLUMNS columns of cap u32 each,
// in the order of the constants below. The host reads the same layout.
import { tryAlloc } from "./common";

export const COL_DADDR: u32 = 0;
export const COL_DPORT: u32 = 1;
export const COL_PROTO: u32 = 2;
export const COL_SADDR: u32 = 3;
export const COL_SPORT: u32 = 4;
export const COL_OUT: u32 = 5;
export const BATCH_COLUMNS: u32 = 6;
const HEADER: usize = 16;

/** A new batch of cap packets; 0 if out of memory. */
export function batch_new(cap: u32): usize {
  if (cap == 0 || cap > (1 << 24)) return 0;
  const p = tryAlloc(HEADER + (<usize>cap << 2) * BATCH_COLUMNS);
  if (p == 0) return 0;
  store<u32>(p, cap);
  return p;
}

export function batch_free(b: usize): void {
  heap.free(b);
}

export function batch_cap(b: usize): u32 {
  return load<u32>(b);
}

/** Byte address of column col. */
// @ts-ignore: decorator
@inline export function column(b: usize, col: u32): usize {
  return b + HEADER + ((<usize>load<u32>(b) << 2) * col);
}

export function batch_column(b: usize, col: u32): usize {
  return column(b, col);
}

/** True when [start, start+count) lies inside the batch. */
// @ts-ignore: decorator
@inline export function inBatch(b: usize, start: u32, count: u32): bool {
  const cap = load<u32>(b);
  return start <= cap && count <= cap - start;
}
