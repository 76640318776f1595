// Shared by the hashing schedulers, linux net/netfilter/ipvs/ip_vs_{dh,sh,mh}.c: a lookup table of list
// positions that the scheduler's reassign fills (dh, sh: the table is sched_data), and the lookup of
// ip_vs_sh_get / ip_vs_mh_get with the fallback of ip_vs_sh_get_fallback / ip_vs_mh_get_fallback: loop
// around the table from the original hash, rehashing with each offset, until an available dest (or an
// empty entry). The first probe computes its hash directly; only the fallback loop, a call of its own
// off the pick's path, holds the hash as a function reference (a managed value: touching one costs a
// pick a shadow-stack frame).
import { NIL, NO_MEMORY, OK, allocNil } from "../common";
import { available, idAt } from "../dest";
import { IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2, Service } from "../service";

/** ip_vs_{sh,mh}_hashkey: the table entry of addr, port at a fallback offset. */
type Hashkey = (addr: u32, port: u32, offset: u32) => u32;

/** init_service of dh and sh: a table of size entries, then reassign. */
export function tableInit(svc: Service, size: u32, reassign: (svc: Service) => void): i32 {
  const t = allocNil(size);
  if (t == 0) return NO_MEMORY;
  svc.sched_data = t;
  reassign(svc);
  return OK;
}

// @ts-ignore: decorator
@inline export function entry(t: usize, i: u32): u32 {
  return load<u32>(t + (<usize>i << 2));
}

/** The list position at entry i if that dest is available, else NIL. */
// @ts-ignore: decorator
@inline export function availableAt(svc: Service, t: usize, i: u32): u32 {
  const p = entry(t, i);
  return p != NIL && available(svc.dests, idAt(svc.dests, p)) ? p : NIL;
}

/** The port part of the key: the source port with IP_VS_SVC_F_SCHED_*_PORT. */
// @ts-ignore: decorator
@inline export function keyPort(svc: Service, sport: u32): u32 {
  return (svc.flags & IP_VS_SVC_F_SCHED2) != 0 ? sport : 0;
}

/** hashedDest's answer when the dest at the hash is unavailable and the service asks for fallback. */
export const REHASH: u32 = 0xfffffffe;

/** The fallback loop of ip_vs_{sh,mh}_get_fallback, from the original hash ihash. */
export function rehash(svc: Service, t: usize, size: u32, addr: u32, port: u32, ihash: u32, hashkey: Hashkey): u32 {
  for (let offset: u32 = 0; offset < size; offset++) {
    const p = entry(t, hashkey(addr, port, (offset + ihash) % size));
    if (p == NIL) break;
    if (available(svc.dests, idAt(svc.dests, p))) return p;
  }
  return NIL;
}

/**
 * ip_vs_{sh,mh}_get: the dest at entry ihash (the key's hash at offset 0) of table t, if available;
 * else REHASH when the service asks for fallback (the caller then runs rehash), NIL when it does not.
 */
// @ts-ignore: decorator
@inline export function hashedDest(svc: Service, t: usize, ihash: u32): u32 {
  const p = entry(t, ihash);
  if (p == NIL) return NIL;
  if (available(svc.dests, idAt(svc.dests, p))) return p;
  return (svc.flags & IP_VS_SVC_F_SCHED1) != 0 ? REHASH : NIL;
}
