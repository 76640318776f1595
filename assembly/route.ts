// The IPVS packet path of linux net/netfilter/ipvs/ip_vs_core.c, batched: each packet first looks for
// its connection (ip_vs_in → ip_vs_conn_in_get); established ones go straight to their dest. The
// others, gathered into a scratch batch, get one service lookup (ip_vs_service_find: any keyed table of
// svctable.ts or vmap.ts), then the service's scheduler (ip_vs_schedule) and a new connection
// (ip_vs_conn_new). Out: the dest id; MISS (no service); NO_DEST (no destination available); DROP.
// One connection-table lookup per packet, as in the kernel: a first packet keeps the bucket and head
// its probe saw, and before scheduling looks only at entries put in front of that head since (a flow
// whose earlier first packet in this batch has made its connection by then).
import { NIL, MISS, OK, NO_MEMORY, BAD_ARG, tryAlloc, allocWords } from "./common";
import { batch_new, batch_free, column, inBatch, COL_DADDR, COL_DPORT, COL_PROTO, COL_SADDR, COL_SPORT, COL_OUT } from "./batch";
import { Conntrack, ctBucket, ctDest, ctNew, ctScan, ctTouch } from "./conntrack";
import { idAt } from "./dest";
import { DROP, NO_DEST, Service } from "./service";
import { schedule } from "./sched/dispatch";
import { svctable_lookup } from "./svctable";
import { vmap_lookup } from "./vmap";

const TABLE_SVCTABLE: u32 = 0;
const TABLE_VMAP: u32 = 1;

@unmanaged class Route {
  ct: usize = 0;
  kind: u32 = 0;
  table: usize = 0;
  svcs: usize = 0;    // service port index (the table's target) -> Service, 0 for none
  nsvcs: u32 = 0;
  scratch: usize = 0; // first packets of the batch, for the table
  miss: usize = 0;    // per first packet, cap words each: its place in the batch, its bucket, the head seen
  cap: u32 = 0;
}

/** A route through ct, a keyed service table of that kind, and nsvcs services; 0 if out of memory or a bad kind. */
export function route_new(ct: usize, kind: u32, table: usize, svcs: usize, nsvcs: u32): usize {
  if (kind > TABLE_VMAP) return 0;
  const p = tryAlloc(offsetof<Route>());
  if (p == 0) return 0;
  const r = changetype<Route>(p);
  r.ct = ct; r.kind = kind; r.table = table; r.svcs = svcs; r.nsvcs = nsvcs;
  r.scratch = 0; r.miss = 0; r.cap = 0;
  return p;
}

export function route_free(p: usize): void {
  const r = changetype<Route>(p);
  if (r.cap != 0) { batch_free(r.scratch); heap.free(r.miss); }
  heap.free(p);
}

/** Scratch room for count first packets. */
function reserve(r: Route, count: u32): bool {
  if (count <= r.cap) return true;
  const s = batch_new(count), m = allocWords(count * 3);
  if (s == 0 || m == 0) {
    if (s != 0) batch_free(s);
    if (m != 0) heap.free(m);
    return false;
  }
  if (r.cap != 0) { batch_free(r.scratch); heap.free(r.miss); }
  r.scratch = s; r.miss = m; r.cap = count;
  return true;
}

/** Routes packets [start, start+count) of batch b at time now (ms). */
export function route_run(p: usize, b: usize, start: u32, count: u32, now: u32): i32 {
  if (!inBatch(b, start, count)) return BAD_ARG;
  const r = changetype<Route>(p), ct = changetype<Conntrack>(r.ct);
  if (!reserve(r, count)) return NO_MEMORY;
  const D = column(b, COL_DADDR), T = column(b, COL_DPORT), R = column(b, COL_PROTO);
  const S = column(b, COL_SADDR), P = column(b, COL_SPORT), O = column(b, COL_OUT);
  const sD = column(r.scratch, COL_DADDR), sT = column(r.scratch, COL_DPORT), sR = column(r.scratch, COL_PROTO);
  const at = r.miss, bucket = at + (<usize>r.cap << 2), seen = bucket + (<usize>r.cap << 2);
  let m: u32 = 0;
  for (let k = start, end = start + count; k < end; k++) {
    const o = <usize>k << 2;
    const saddr = load<u32>(S + o), sport = load<u32>(P + o), proto = load<u32>(R + o);
    const h = ctBucket(ct, saddr, sport, proto), first = load<u32>(h);
    const e = ctScan(ct, first, NIL, saddr, sport, proto, load<u32>(D + o), load<u32>(T + o));
    if (e != NIL) { ctTouch(ct, e, now); store<u32>(O + o, ctDest(ct, e)); continue; }
    const q = <usize>m << 2;
    store<u32>(sD + q, load<u32>(D + o)); store<u32>(sT + q, load<u32>(T + o)); store<u32>(sR + q, proto);
    store<u32>(at + q, k); store<u32>(bucket + q, <u32>h); store<u32>(seen + q, first);
    m++;
  }
  if (m == 0) return OK;
  if (r.kind == TABLE_SVCTABLE) svctable_lookup(r.table, r.scratch, 0, m);
  else vmap_lookup(r.table, r.scratch, 0, m);
  const sO = column(r.scratch, COL_OUT);
  for (let j: u32 = 0; j < m; j++) {
    const q = <usize>j << 2, k = load<u32>(at + q), o = <usize>k << 2;
    const saddr = load<u32>(S + o), sport = load<u32>(P + o), proto = load<u32>(R + o);
    const daddr = load<u32>(D + o), dport = load<u32>(T + o);
    // Nothing leaves the table inside a batch, so whatever the bucket gained since the probe sits
    // in front of the head it saw: an earlier first packet of the same flow may have put it there.
    const h = <usize>load<u32>(bucket + q), head = load<u32>(h), first = load<u32>(seen + q);
    if (head != first) {
      const e = ctScan(ct, head, first, saddr, sport, proto, daddr, dport);
      if (e != NIL) { ctTouch(ct, e, now); store<u32>(O + o, ctDest(ct, e)); continue; }
    }
    const target = load<u32>(sO + q);
    const svcp = target < r.nsvcs ? load<usize>(r.svcs + (<usize>target << alignof<usize>())) : 0;
    if (svcp == 0) { store<u32>(O + o, MISS); continue; }
    const svc = changetype<Service>(svcp);
    const pos = schedule(svc, saddr, sport, daddr);
    if (pos == NIL) { store<u32>(O + o, NO_DEST); continue; }
    const id = idAt(svc.dests, pos);
    store<u32>(O + o, ctNew(ct, h, saddr, sport, proto, daddr, dport, svc, id, now) == NIL ? DROP : id);
  }
  return OK;
}
