// Source hashing, as linux net/netfilter/ipvs/ip_vs_sh.c: 256 buckets (IP_VS_SH_TAB_BITS 8) filled
// in list order, each dest taking weight buckets in turn (at least one), rebuilt on any change; the
// key is the source addr (+ source port with IP_VS_SVC_F_SCHED_SH_PORT); with
// IP_VS_SVC_F_SCHED_SH_FALLBACK an unavailable dest is passed over by rehashing with an offset.
import { NIL, OK } from "../common";
import { WEIGHT, get, idAt } from "../dest";
import { hash_32 } from "../hash";
import { Service } from "../service";
import { REHASH, hashedDest, keyPort, rehash, tableInit } from "./hashed";

const IP_VS_SH_TAB_BITS: u32 = 8;
export const IP_VS_SH_TAB_SIZE: u32 = 1 << IP_VS_SH_TAB_BITS;
const IP_VS_SH_TAB_MASK: u32 = IP_VS_SH_TAB_SIZE - 1;

// @ts-ignore: decorator
@inline function ip_vs_sh_hashkey(addr: u32, port: u32, offset: u32): u32 {
  return (offset + hash_32(port + addr, IP_VS_SH_TAB_BITS)) & IP_VS_SH_TAB_MASK;
}

/** ip_vs_sh_hashkey as a function value, for the fallback loop. */
function rehashkey(addr: u32, port: u32, offset: u32): u32 {
  return ip_vs_sh_hashkey(addr, port, offset);
}

/** ip_vs_sh_reassign: don't move to the next dest until it has filled weight buckets. */
function reassign(svc: Service): void {
  const d = svc.dests, n = d.num;
  let p: u32 = 0, count: u32 = 0;
  for (let i: u32 = 0; i < IP_VS_SH_TAB_SIZE; i++) {
    store<u32>(svc.sched_data + (<usize>i << 2), n == 0 ? NIL : p);
    if (n != 0 && ++count >= get(d, WEIGHT, idAt(d, p))) {
      count = 0;
      if (++p == n) p = 0;
    }
  }
}

export function init_service(svc: Service): i32 {
  return tableInit(svc, IP_VS_SH_TAB_SIZE, reassign);
}

export function done_service(svc: Service): void {
  heap.free(svc.sched_data);
}

/** ip_vs_sh_dest_changed: add_dest, del_dest and upd_dest. */
export function dest_changed(svc: Service, pos: u32): i32 { reassign(svc); return OK; }

/** ip_vs_sh_get_fallback's loop. */
function fallback(svc: Service, addr: u32, port: u32, ihash: u32): u32 {
  return rehash(svc, svc.sched_data, IP_VS_SH_TAB_SIZE, addr, port, ihash, rehashkey);
}

export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  const port = keyPort(svc, sport), ihash = ip_vs_sh_hashkey(saddr, port, 0);
  const p = hashedDest(svc, svc.sched_data, ihash);
  return p != REHASH ? p : fallback(svc, saddr, port, ihash);
}

export function table(svc: Service): usize {
  return svc.sched_data;
}
