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
export { hsiphash_1u32, jhash2_words } from "./hash";
export {
  ipvs_service_new, ipvs_service_free, ipvs_service_set_scheduler, ipvs_service_scheduler,
  ipvs_dest_add, ipvs_dest_edit, ipvs_dest_del, ipvs_dest_find, ipvs_dest_count, ipvs_dest_ids,
  ipvs_dest_get, ipvs_dest_set_conns, ipvs_schedule, ipvs_sched_table, ipvs_sched_table_size,
} from "./ipvs";
export {
  conntrack_new, conntrack_free, conntrack_count, conntrack_buckets, conntrack_set_timeouts,
  conntrack_close, conntrack_expire, conntrack_flush,
} from "./conntrack";
export { route_new, route_free, route_run } from "./route";
export {
  htab_new, htab_free, htab_count, htab_buckets, htab_update, htab_delete, htab_find, htab_value,
  htab_chain_lengths, htab_lookup_lb4,
} from "./ebpf/htab";
export { maglev_table, maglev_pick, maglev_name_hash } from "./ebpf/maglev";
