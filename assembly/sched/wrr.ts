// Weighted round robin, as linux net/netfilter/ipvs/ip_vs_wrr.c: passes over the dest list with a
// falling threshold cw (from mw = max weight - (di - 1) down by di = gcd of the weights, to <= 0,
// then back to mw); a pass picks each dest whose weight >= cw. {4,3,2} gives A A B A B C A B C.
import { NIL, NO_MEMORY, OK, tryAlloc } from "../common";
import { FLAGS, IP_VS_DEST_F_OVERLOAD, WEIGHT, get, idAt } from "../dest";
import { HEAD, Service } from "../service";
import { gcdWeight, maxWeight } from "./weights";

@unmanaged class WrrMark {
  cl: u32 = HEAD; // current dest (list position) or the head
  cw: i32 = 0;    // current weight
  mw: i32 = 0;    // maximum weight
  di: i32 = 1;    // decreasing interval
}

// @ts-ignore: decorator
@inline function mark(svc: Service): WrrMark {
  return changetype<WrrMark>(svc.sched_data);
}

export function init_service(svc: Service): i32 {
  const p = tryAlloc(offsetof<WrrMark>());
  if (p == 0) return NO_MEMORY;
  svc.sched_data = p;
  const m = mark(svc);
  m.cl = HEAD;
  m.di = max(gcdWeight(svc.dests, WEIGHT), 1);
  m.mw = maxWeight(svc.dests, WEIGHT) - (m.di - 1);
  m.cw = m.mw;
  return OK;
}

export function done_service(svc: Service): void {
  heap.free(svc.sched_data);
}

/** ip_vs_wrr_dest_changed (add_dest, del_dest and upd_dest): back to the head, new di and mw, cw kept in range. */
export function dest_changed(svc: Service, pos: u32): i32 {
  const m = mark(svc);
  m.cl = HEAD;
  m.di = max(gcdWeight(svc.dests, WEIGHT), 1);
  m.mw = maxWeight(svc.dests, WEIGHT) - (m.di - 1);
  if (m.cw > m.mw || m.cw == 0) m.cw = m.mw;
  else if (m.di > 1) m.cw = (m.cw / m.di) * m.di + 1;
  return OK;
}


export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  const d = svc.dests, m = mark(svc), n = d.num;
  if (m.mw == 0) return NIL; // no available dests
  const last = m.cl;
  let p = last;
  let stop: u32 = NIL, lastPass = false, restarted = false;
  while (true) {
    for (p = p == HEAD ? 0 : p + 1; p < n; p++) {
      const id = idAt(d, p);
      if ((get(d, FLAGS, id) & IP_VS_DEST_F_OVERLOAD) == 0 && <i32>get(d, WEIGHT, id) >= m.cw) {
        m.cl = p;
        return p;
      }
      if (p == stop) { m.cl = p; return NIL; } // all destinations are overloaded
    }
    p = HEAD;
    m.cw -= m.di;
    if (m.cw <= 0) {
      m.cw = m.mw;
      // Stop if the last pass (weight >= 1) already started from the first dest.
      if (lastPass || last == HEAD) { m.cl = HEAD; return NIL; }
      restarted = true;
    }
    lastPass = m.cw <= m.di;
    // The first traversal for weight >= 1 covered only the dests after last: now the rest.
    if (lastPass && restarted && last != HEAD) stop = last;
  }
  return NIL;
}
