// The svcbench WebAssembly ABI: re-exports only, no logic.
export { words_new, words_free, memory_max_pages } from "./common";
export { batch_new, batch_free, batch_cap, batch_column } from "./batch";
export {
  chain_new, chain_free, chain_len, chain_bytes, chain_append, chain_replace,
  chain_lookup_scalar, chain_lookup_simd, chain_scan_length, chain_roofline,
} from "./chain";
export {
  svctable_new, svctable_free, svctable_count, svctable_buckets,
  svctable_insert, svctable_delete, svctable_lookup, svctable_chain_lengths,
  svctable_lookup_plain, svctable_lookup_group, svctable_bytes, svctable_peak_bytes,
} from "./svctable";
export {
  vmap_new, vmap_free, vmap_count, vmap_slots, vmap_insert, vmap_delete, vmap_lookup,
  vmap_lookup_plain, vmap_lookup_group, vmap_bytes, vmap_peak_bytes,
} from "./vmap";
export { dram_new, dram_free, dram_read } from "./dram";
export { stage_group, stage_from_bytes } from "./stage";
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
// The constants the host shares (src/abi.ts is generated from the same files; test/abi.test.ts compares).
export {
  MISS, NIL, OK, EXISTS, NOT_FOUND, FULL, NO_MEMORY, BAD_PROTO, BAD_ARG, MAX_ENTRIES, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP,
} from "./common";
export { COL_DADDR, COL_DPORT, COL_PROTO, COL_SADDR, COL_SPORT, COL_OUT, BATCH_COLUMNS } from "./batch";
export { IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2, NO_DEST, DROP, UNKNOWN_SCHED, IN_USE, HEAD } from "./service";
export {
  IP_VS_DEST_F_AVAILABLE, IP_VS_DEST_F_OVERLOAD, MAX_WEIGHT, MAX_DESTS,
  ADDR, PORT, WEIGHT, LAST_WEIGHT, ACTIVECONNS, INACTCONNS, FLAGS, U_THRESHOLD, L_THRESHOLD, REFCNT, DEST_FIELDS,
} from "./dest";
export {
  SCHED_RR, SCHED_WRR, SCHED_LC, SCHED_WLC, SCHED_SED, SCHED_NQ, SCHED_DH, SCHED_SH, SCHED_MH, SCHED_COUNT, SCHED_NONE,
} from "./sched/dispatch";
export { IP_VS_DH_TAB_SIZE } from "./sched/dh";
export { IP_VS_SH_TAB_SIZE } from "./sched/sh";
export { IP_VS_MH_TAB_SIZE } from "./sched/mh";
export {
  htab_new, htab_free, htab_count, htab_buckets, htab_update, htab_delete, htab_find, htab_value,
  htab_chain_lengths, htab_lookup_lb4,
} from "./ebpf/htab";
export { maglev_table, maglev_pick, maglev_name_hash } from "./ebpf/maglev";
