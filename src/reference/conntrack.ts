// Plain-TS twin of assembly/conntrack.ts (linux net/netfilter/ipvs/ip_vs_conn.c): connections in a JS Map
// keyed by the kernel's hash key (client addr, client port, protocol), a short chain per key for the
// virtual side, the same counter moves on their dests, and one FIFO timer list per state.
import { MAX_ENTRIES } from "../core";
import { ConntrackOptions, DEFAULT_TIMEOUTS } from "../ipvs";
import { TsDests } from "./dest";

export interface Conn {
  caddr: number;
  cport: number;
  proto: number;
  vaddr: number;
  vport: number;
  dests: TsDests;
  dest: number;
  inactive: boolean;
  expires: number;
  next: Conn | undefined;  // same client key
  tprev: Conn | undefined; // timer list
  tnext: Conn | undefined;
}

interface TimerList {
  first: Conn | undefined;
  last: Conn | undefined;
}

/** One exact number per client addr . port . protocol (2 bits for TCP, UDP, SCTP; others share 0). */
const PROTO_CODE: Record<number, number> = { 6: 1, 17: 2, 132: 3 };
const clientKey = (caddr: number, cport: number, proto: number): number =>
  ((caddr * 65536 + (cport & 0xffff)) * 4) + (PROTO_CODE[proto] ?? 0);

export class TsConntrack {
  private readonly map = new Map<number, Conn>();
  private readonly timers: [TimerList, TimerList] = [{ first: undefined, last: undefined }, { first: undefined, last: undefined }];
  private readonly timeouts: [number, number];
  private readonly limit: number;
  count = 0;

  constructor(o: ConntrackOptions = {}) {
    const t = o.timeouts ?? DEFAULT_TIMEOUTS;
    this.timeouts = [t.established, t.closed];
    this.limit = !o.limit || o.limit > MAX_ENTRIES ? MAX_ENTRIES : o.limit;
  }

  /** __ip_vs_conn_in_get. */
  find(caddr: number, cport: number, proto: number, vaddr: number, vport: number): Conn | undefined {
    cport &= 0xffff;
    vport &= 0xffff;
    for (let c = this.map.get(clientKey(caddr, cport, proto)); c; c = c.next) {
      if (c.caddr === caddr && c.cport === cport && c.vaddr === vaddr && c.vport === vport && c.proto === proto) return c;
    }
    return undefined;
  }

  private timerAppend(c: Conn, now: number): void {
    const l = this.timers[c.inactive ? 1 : 0];
    c.expires = (now + this.timeouts[c.inactive ? 1 : 0]) >>> 0;
    c.tprev = l.last;
    c.tnext = undefined;
    if (l.last) l.last.tnext = c;
    else l.first = c;
    l.last = c;
  }

  private timerRemove(c: Conn): void {
    const l = this.timers[c.inactive ? 1 : 0];
    if (c.tprev) c.tprev.tnext = c.tnext;
    else l.first = c.tnext;
    if (c.tnext) c.tnext.tprev = c.tprev;
    else l.last = c.tprev;
  }

  /** A packet restarts the timer. */
  touch(c: Conn, now: number): void {
    this.timerRemove(c);
    this.timerAppend(c, now);
  }

  /** ip_vs_conn_new: bound to dest of dests; undefined when the table is full. */
  add(caddr: number, cport: number, proto: number, vaddr: number, vport: number, dests: TsDests, dest: number, now: number): Conn | undefined {
    if (this.count >= this.limit) return undefined;
    cport &= 0xffff;
    vport &= 0xffff;
    const key = clientKey(caddr, cport, proto);
    const c: Conn = {
      caddr, cport, proto, vaddr, vport, dests, dest, inactive: false, expires: 0,
      next: this.map.get(key), tprev: undefined, tnext: undefined,
    };
    this.map.set(key, c);
    this.timerAppend(c, now);
    dests.bind(dest, true);
    this.count++;
    return c;
  }

  /** set_tcp_state to a closing state: inactive, TIME_WAIT timer. */
  close(c: Conn, now: number): void {
    if (c.inactive) return;
    this.timerRemove(c);
    c.inactive = true;
    c.dests.deactivate(c.dest);
    this.timerAppend(c, now);
  }

  private expireConn(c: Conn): void {
    const key = clientKey(c.caddr, c.cport, c.proto);
    let head = this.map.get(key)!;
    if (head === c) {
      if (c.next) this.map.set(key, c.next);
      else this.map.delete(key);
    } else {
      while (head.next !== c) head = head.next!;
      head.next = c.next;
    }
    this.timerRemove(c);
    c.dests.unbind(c.dest, c.inactive);
    this.count--;
  }

  /** Fires the timers due by now. */
  expire(now: number): number {
    let n = 0;
    for (const l of this.timers) {
      while (l.first && l.first.expires <= now) { this.expireConn(l.first); n++; }
    }
    return n;
  }

  flush(): number {
    let n = 0;
    for (const l of this.timers) {
      while (l.first) { this.expireConn(l.first); n++; }
    }
    return n;
  }
}
