// A virtual service as its scheduler sees it: linux include/net/ip_vs.h struct ip_vs_service,
// with its destinations, the scheduler bound to it, that scheduler's state (sched_data) and flags.
import { Dests } from "./dest";

/** sh / mh: when the hashed dest is unavailable, rehash to find another (IP_VS_SVC_F_SCHED_*_FALLBACK). */
export const IP_VS_SVC_F_SCHED1: u32 = 0x0008;
/** sh / mh: hash the source port too (IP_VS_SVC_F_SCHED_*_PORT). */
export const IP_VS_SVC_F_SCHED2: u32 = 0x0010;

/** Out column: the service has no destination available ("no destination available"). */
export const NO_DEST: u32 = 0xfffffffe;
/** Out column: the packet is dropped (ip_vs_conn_new failed: the connection table is full). */
export const DROP: u32 = 0xfffffffd;

// Result codes beyond those of common.ts.
/** No scheduler has this id (ip_vs_scheduler_get: -ENOENT). */
export const UNKNOWN_SCHED: i32 = 7;
/** Connections still hold the service's dests. */
export const IN_USE: i32 = 8;

/** A list position for "the list head": before the first dest (rr / wrr cursors). */
export const HEAD: u32 = 0xffffffff;

@unmanaged export class Service {
  dests: Dests = changetype<Dests>(0);
  sched: u32 = 0;
  flags: u32 = 0;
  sched_data: usize = 0;
}
