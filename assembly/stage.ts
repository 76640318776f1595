// Staged batch lookups, as DPDK's rte_hash_lookup_bulk (lib/hash/rte_cuckoo_hash.c) splits a
// burst into stages: hash every key of a group, then touch every key's first bucket, then
// compare. The group's loads do not depend on each other, so their cache misses are in flight
// together instead of one after another (WebAssembly has no prefetch instruction). Here G probes
// are in flight: each round loads what every one of them stands on, then steps each, and a
// finished probe's place goes to the next packet of the batch.

/** Packets a staged lookup takes at once: chosen by the lookup suite's group sweep. */
export const LOOKUP_GROUP: u32 = 32;
/**
 * Smaller tables sit in a core's L2 cache (512 KiB to 2 MiB on the machines svcbench runs on), where
 * there are no misses to overlap and the stages only add work: their batch lookup probes plainly.
 */
export const STAGE_FROM_BYTES: usize = 512 << 10;
/** The group sizes the staged exports are compiled for. */
export const GROUP_MAX: u32 = 32;

/** Scratch words per packet of a group (4 columns), and a fifth column for loads only made to touch a line. */
const SCRATCH_WORDS: u32 = 5;
const scratch: usize = memory.data(<i32>(GROUP_MAX * SCRATCH_WORDS * 4), 64);

/** The scratch column c (0..4) of the current group: GROUP_MAX words. */
// @ts-ignore: decorator
@inline export function stageColumn(c: u32): usize {
  return scratch + (<usize>c * GROUP_MAX << 2);
}

/** True for the group sizes the staged exports take. */
// @ts-ignore: decorator
@inline export function validGroup(g: u32): bool {
  return g == 4 || g == 8 || g == 16 || g == 32;
}

/** LOOKUP_GROUP, for the host: the group the batch lookups use and the roofline compares with. */
export function stage_group(): u32 {
  return LOOKUP_GROUP;
}

/** STAGE_FROM_BYTES, for the host: the table size from which the batch lookups are staged. */
export function stage_from_bytes(): usize {
  return STAGE_FROM_BYTES;
}

/** A table with a staged lookup: G probes in flight (each G compiled on its own, as the method is inlined). */
interface StagedTable {
  stage(b: usize, start: u32, count: u32, G: u32): void;
}

/**
 * A table's staged lookup (its stage method) compiled for each group size and picked by g (4, 8, 16 or
 * 32: validGroup): the group sweep's dispatch, the same for every staged table.
 */
// @ts-ignore: decorator
@inline export function stagedByGroup<T extends StagedTable>(t: T, b: usize, start: u32, count: u32, g: u32): void {
  if (g == 4) t.stage(b, start, count, 4);
  else if (g == 8) t.stage(b, start, count, 8);
  else if (g == 16) t.stage(b, start, count, 16);
  else t.stage(b, start, count, 32);
}
