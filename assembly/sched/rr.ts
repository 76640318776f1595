// Round robin, as linux net/netfilter/ipvs/ip_vs_rr.c: a cursor into the dest list; each pick
// continues after the last one and wraps at most once, skipping weight 0 and overloaded dests.
import { NIL, NO_MEMORY, OK, tryAlloc } from "../common";
import { available, idAt } from "../dest";
import { HEAD, Service } from "../service";

@unmanaged class RrState {
  cursor: u32 = HEAD; // sched_data: list position of the last pick, or the list head
}

// @ts-ignore: decorator
@inline function state(svc: Service): RrState {
  return changetype<RrState>(svc.sched_data);
}

export function init_service(svc: Service): i32 {
  const p = tryAlloc(offsetof<RrState>());
  if (p == 0) return NO_MEMORY;
  changetype<RrState>(p).cursor = HEAD;
  svc.sched_data = p;
  return OK;
}

export function done_service(svc: Service): void {
  heap.free(svc.sched_data);
}

/** The kernel's cursor is a list node: a dest added in front of it moves it one place on. */
export function add_dest(svc: Service, pos: u32): i32 {
  const s = state(svc);
  if (s.cursor != HEAD && pos <= s.cursor) s.cursor++;
  return OK;
}

/** ip_vs_rr_del_dest: a cursor on the removed dest steps back to the one before it. */
export function del_dest(svc: Service, pos: u32): i32 {
  const s = state(svc);
  if (s.cursor != HEAD && s.cursor >= pos) s.cursor = s.cursor == 0 ? HEAD : s.cursor - 1;
  return OK;
}

export function schedule(svc: Service, saddr: u32, sport: u32, daddr: u32): u32 {
  const d = svc.dests, s = state(svc);
  const last = s.cursor, n = d.num;
  const start: u32 = last == HEAD ? 0 : last + 1;
  for (let p = start; p < n; p++) {
    if (available(d, idAt(d, p))) { s.cursor = p; return p; }
  }
  if (last == HEAD) return NIL;
  for (let p: u32 = 0; p <= last && p < n; p++) {
    if (available(d, idAt(d, p))) { s.cursor = p; return p; }
  }
  return NIL;
}
