// The scheduler ops by scheduler id, like linux struct ip_vs_scheduler (include/net/ip_vs.h) and
// ip_vs_sched.c: every scheduler has schedule; init_service, done_service, add_dest, del_dest and
// upd_dest only where its file defines them (the kernel's NULL ops: lc, wlc, sed and nq keep no state;
// wrr, dh, sh and mh give all three dest ops to one dest_changed, as their ops structs do).
import { NIL, OK } from "../common";
import { Service, UNKNOWN_SCHED } from "../service";
import * as rr from "./rr";
import * as wrr from "./wrr";
import * as lc from "./lc";
import * as wlc from "./wlc";
import * as sed from "./sed";
import * as nq from "./nq";
import * as dh from "./dh";
import * as sh from "./sh";
import * as mh from "./mh";

export const SCHED_RR: u32 = 0;
export const SCHED_WRR: u32 = 1;
export const SCHED_LC: u32 = 2;
export const SCHED_WLC: u32 = 3;
export const SCHED_SED: u32 = 4;
export const SCHED_NQ: u32 = 5;
export const SCHED_DH: u32 = 6;
export const SCHED_SH: u32 = 7;
export const SCHED_MH: u32 = 8;
export const SCHED_COUNT: u32 = 9;
/** No scheduler bound (svc->scheduler NULL after a failed switch): every op is a no-op, schedule NIL. */
export const SCHED_NONE: u32 = SCHED_COUNT;

/** ip_vs_bind_scheduler: the scheduler's state for this service; UNKNOWN_SCHED for an id we lack. */
export function init_service(svc: Service, sched: u32): i32 {
  svc.sched = sched;
  svc.sched_data = 0;
  switch (sched) {
    case SCHED_RR: return rr.init_service(svc);
    case SCHED_WRR: return wrr.init_service(svc);
    case SCHED_LC: case SCHED_WLC: case SCHED_SED: case SCHED_NQ: return OK;
    case SCHED_DH: return dh.init_service(svc);
    case SCHED_SH: return sh.init_service(svc);
    case SCHED_MH: return mh.init_service(svc);
  }
  return UNKNOWN_SCHED;
}

export function done_service(svc: Service): void {
  switch (svc.sched) {
    case SCHED_RR: rr.done_service(svc); break;
    case SCHED_WRR: wrr.done_service(svc); break;
    case SCHED_DH: dh.done_service(svc); break;
    case SCHED_SH: sh.done_service(svc); break;
    case SCHED_MH: mh.done_service(svc); break;
  }
  svc.sched_data = 0;
}

/**
 * Before a dest goes in: OK, or why the scheduler could not take it (mh: FULL past its table size,
 * NO_MEMORY); nothing changes on an error, and add_dest after an OK cannot fail.
 */
export function reserve_dest(svc: Service): i32 {
  return svc.sched == SCHED_MH ? mh.reserve_dest(svc) : OK;
}

/** After a dest went in at list position pos. */
export function add_dest(svc: Service, pos: u32): i32 {
  switch (svc.sched) {
    case SCHED_RR: return rr.add_dest(svc, pos);
    case SCHED_WRR: return wrr.dest_changed(svc, pos);
    case SCHED_DH: return dh.dest_changed(svc, pos);
    case SCHED_SH: return sh.dest_changed(svc, pos);
    case SCHED_MH: return mh.dest_changed(svc, pos);
  }
  return OK;
}

/** After the dest at list position pos left the list. */
export function del_dest(svc: Service, pos: u32): i32 {
  switch (svc.sched) {
    case SCHED_RR: return rr.del_dest(svc, pos);
    case SCHED_WRR: return wrr.dest_changed(svc, pos);
    case SCHED_DH: return dh.dest_changed(svc, pos);
    case SCHED_SH: return sh.dest_changed(svc, pos);
    case SCHED_MH: return mh.dest_changed(svc, pos);
  }
  return OK;
}

/** After the dest at list position pos changed its settings. */
export function upd_dest(svc: Service, pos: u32): i32 {
  switch (svc.sched) {
    case SCHED_WRR: return wrr.dest_changed(svc, pos);
    case SCHED_DH: return dh.dest_changed(svc, pos);
    case SCHED_SH: return sh.dest_changed(svc, pos);
    case SCHED_MH: return mh.dest_changed(svc, pos);
  }
  return OK;
}

/** The list position of the dest for a connection's first packet, or NIL: no destination available. */
// @ts-ignore: decorator
@inline export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  switch (svc.sched) {
    case SCHED_RR: return rr.schedule(svc, saddr, sport, daddr);
    case SCHED_WRR: return wrr.schedule(svc, saddr, sport, daddr);
    case SCHED_LC: return lc.schedule(svc, saddr, sport, daddr);
    case SCHED_WLC: return wlc.schedule(svc, saddr, sport, daddr);
    case SCHED_SED: return sed.schedule(svc, saddr, sport, daddr);
    case SCHED_NQ: return nq.schedule(svc, saddr, sport, daddr);
    case SCHED_DH: return dh.schedule(svc, saddr, sport, daddr);
    case SCHED_SH: return sh.schedule(svc, saddr, sport, daddr);
    case SCHED_MH: return mh.schedule(svc, saddr, sport, daddr);
  }
  return NIL;
}

/** The lookup table of dh, sh and mh (list positions) and its size; 0 for the others. */
export function table(svc: Service): usize {
  switch (svc.sched) {
    case SCHED_DH: return dh.table(svc);
    case SCHED_SH: return sh.table(svc);
    case SCHED_MH: return mh.table(svc);
  }
  return 0;
}

export function tableSize(svc: Service): u32 {
  switch (svc.sched) {
    case SCHED_DH: return dh.IP_VS_DH_TAB_SIZE;
    case SCHED_SH: return sh.IP_VS_SH_TAB_SIZE;
    case SCHED_MH: return mh.IP_VS_MH_TAB_SIZE;
  }
  return 0;
}
