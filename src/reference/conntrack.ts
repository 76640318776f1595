// Plain-TS twin of assembly/conntrack.ts (linux net/netfilter/ipvs/ip_vs_conn.c): connections in a JS Map
// keyed by the kernel's hash key (client addr, client port, protocol), a short chain per key for the
// virtual side (the chain object is the bucket: found once, a new connection goes in front), the
// same counter moves on their dests, and one FIFO timer list per state.
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
  next: Conn | undefined; // same client key, older
  tprev: Conn | undefined; // timer list
  tnext: Conn | undefined;
}

/** The connections of one client key, newest first (a bucket's hlist head). */
export interface Chain {
  head: Conn | undefined;
}

interface TimerList {
  first: Conn | undefined;
  last: Conn | undefined;
}

/** One exact number per client addr . port . protocol (2 bits for TCP, UDP, SCTP; others share 0). */
const PROTO_CODE: Record<number, number> = { 6: 1, 17: 2, 132: 3 };
const clientKey = (caddr: number, cport: number, proto: number): number =>
  (caddr * 65536 + (cport & 0xffff)) * 4 + (PROTO_CODE[proto] ?? 0);

/** The match loop of __ip_vs_conn_in_get over a chain from c, stopping before stop. */
export function scan(
  c: Conn | undefined,
  stop: Conn | undefined,
  caddr: number,
  cport: number,
  proto: number,
  vaddr: number,
  vport: number,
): Conn | undefined {
  cport &= 0xffff;
  vport &= 0xffff;
  for (; c !== stop; c = c!.next) {
    if (c!.caddr === caddr && c!.cport === cport && c!.vaddr === vaddr && c!.vport === vport && c!.proto === proto)
      return c;
  }
  return undefined;
}

export class TsConntrack {
  private readonly map = new Map<number, Chain>();
  private readonly timers: [TimerList, TimerList] = [
    { first: undefined, last: undefined },
    { first: undefined, last: undefined },
  ];
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
    const ch = this.map.get(clientKey(caddr, cport & 0xffff, proto));
    return ch && scan(ch.head, undefined, caddr, cport, proto, vaddr, vport);
  }

  /** The chain of a client key, made (empty) when it has none: one Map lookup for a probe and an add. */
  bucket(caddr: number, cport: number, proto: number): Chain {
    const key = clientKey(caddr, cport & 0xffff, proto);
    let ch = this.map.get(key);
    if (!ch) {
      ch = { head: undefined };
      this.map.set(key, ch);
    }
    return ch;
  }

  /** Gives back a chain that bucket() made and no connection went into. */
  prune(ch: Chain, caddr: number, cport: number, proto: number): void {
    if (!ch.head) this.map.delete(clientKey(caddr, cport & 0xffff, proto));
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

  /**
   * ip_vs_conn_new: bound to dest of dests, in front of ch (the bucket() of its client key); undefined when
   * the table is full.
   */
  add(
    ch: Chain,
    caddr: number,
    cport: number,
    proto: number,
    vaddr: number,
    vport: number,
    dests: TsDests,
    dest: number,
    now: number,
  ): Conn | undefined {
    if (this.count >= this.limit) return undefined;
    cport &= 0xffff;
    vport &= 0xffff;
    const c: Conn = {
      caddr,
      cport,
      proto,
      vaddr,
      vport,
      dests,
      dest,
      inactive: false,
      expires: 0,
      next: ch.head,
      tprev: undefined,
      tnext: undefined,
    };
    ch.head = c;
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
    const key = clientKey(c.caddr, c.cport, c.proto),
      ch = this.map.get(key)!;
    let head = ch.head!;
    if (head === c) {
      if (c.next) ch.head = c.next;
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
      while (l.first && l.first.expires <= now) {
        this.expireConn(l.first);
        n++;
      }
    }
    return n;
  }

  flush(): number {
    let n = 0;
    for (const l of this.timers) {
      while (l.first) {
        this.expireConn(l.first);
        n++;
      }
    }
    return n;
  }
}
