// Destination hashing, as linux net/netfilter/ipvs/ip_vs_dh.c: 256 buckets (IP_VS_DH_TAB_BITS 8)
// filled round robin over the dests in list order, rebuilt on any change; the bucket of a packet is
// hash_32(dst addr, IP_VS_DH_TAB_BITS); an unavailable dest there means no dest (no fallback).
import { NIL, OK } from "../common";
import { hash_32 } from "../hash";
import { Service } from "../service";
import { availableAt, tableInit } from "./hashed";

const IP_VS_DH_TAB_BITS: u32 = 8;
export const IP_VS_DH_TAB_SIZE: u32 = 1 << IP_VS_DH_TAB_BITS;

// @ts-ignore: decorator
@inline function ip_vs_dh_hashkey(addr: u32): u32 {
  return hash_32(addr, IP_VS_DH_TAB_BITS);
}

/** ip_vs_dh_reassign: bucket i gets the dest at list position i mod num_dests. */
function reassign(svc: Service): void {
  const n = svc.dests.num;
  for (let i: u32 = 0, p: u32 = 0; i < IP_VS_DH_TAB_SIZE; i++) {
    store<u32>(svc.sched_data + (<usize>i << 2), n == 0 ? NIL : p);
    if (++p == n) p = 0;
  }
}

export function init_service(svc: Service): i32 {
  return tableInit(svc, IP_VS_DH_TAB_SIZE, reassign);
}

export function done_service(svc: Service): void {
  heap.free(svc.sched_data);
}

/** ip_vs_dh_dest_changed: add_dest, del_dest and upd_dest. */
export function dest_changed(svc: Service, pos: u32): i32 { reassign(svc); return OK; }

export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  return availableAt(svc, svc.sched_data, ip_vs_dh_hashkey(daddr));
}

export function table(svc: Service): usize {
  return svc.sched_data;
}
