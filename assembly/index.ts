// The svcbench WebAssembly ABI: re-exports only, no logic.
export { words_new, words_free } from "./common";
export { batch_new, batch_free, batch_cap, batch_column } from "./batch";
export {
  chain_new, chain_free, chain_len, chain_append, chain_replace,
  chain_lookup_scalar, chain_lookup_simd, chain_scan_length, chain_roofline,
} from "./chain";
export {
  svctable_new, svctable_free, svctable_count, svctable_buckets,
  svctable_insert, svctable_delete, svctable_lookup, svctable_chain_lengths,
} from "./svctable";
export {
  vmap_new, vmap_free, vmap_count, vmap_slots, vmap_insert, vmap_delete, vmap_lookup,
} from "./vmap";
