// What the IPVS models share (WASM cores in assembly/ipvs.ts, conntrack.ts, route.ts and their TS
// twins): scheduler names, flags, dest records, out codes, and the interfaces both sides implement.
import * as abi from "./abi";
import { check, PacketColumns, Result, SvcbenchError } from "./core";

/** linux net/netfilter/ipvs/ip_vs_{rr,…,mh}.c, by id (assembly/sched/dispatch.ts). */
export const SCHEDULERS = ["rr", "wrr", "lc", "wlc", "sed", "nq", "dh", "sh", "mh"] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];
/** The schedulers that hash a packet to a fixed table (and so keep flows on a dest). */
export const HASHING_SCHEDULERS: readonly SchedulerName[] = ["dh", "sh", "mh"];

/** sh / mh fallback (IP_VS_SVC_F_SCHED1) and port hashing (IP_VS_SVC_F_SCHED2). */
export const IP_VS_SVC_F_SCHED_FALLBACK = abi.IP_VS_SVC_F_SCHED1;
export const IP_VS_SVC_F_SCHED_PORT = abi.IP_VS_SVC_F_SCHED2;
export const { IP_VS_DEST_F_AVAILABLE, IP_VS_DEST_F_OVERLOAD } = abi;

/** ipvsadm's weight range is 0..65535. */
export const { MAX_WEIGHT, MAX_DESTS } = abi;
/** Sizes of the dh, sh and mh lookup tables. */
export const { IP_VS_DH_TAB_SIZE, IP_VS_SH_TAB_SIZE, IP_VS_MH_TAB_SIZE } = abi;

/** Out column: no destination available / packet dropped (connection table full). MISS: no service. */
export const { NO_DEST, DROP } = abi;

/** Result codes past core.ts's (assembly/service.ts). */
export const { UNKNOWN_SCHED, IN_USE } = abi;

const IPVS_MESSAGES: Record<number, string> = {
  [UNKNOWN_SCHED]: `no such scheduler (known: ${SCHEDULERS.join(", ")})`,
  [IN_USE]: "connections still hold its destinations: flush or free the connection table first",
  [Result.NOT_FOUND]: "no such destination",
  [Result.EXISTS]: "the destination is already there",
  [Result.FULL]: `more destinations than the service takes (${MAX_DESTS}; mh: ${IP_VS_MH_TAB_SIZE}, one per slot of its table)`,
  [Result.BAD_ARG]:
    `addr must be an integer 0..0xffffffff, port 0..65535, weight an integer 0..${MAX_WEIGHT}, ` +
    "u_threshold and l_threshold integers 0..0xffffffff with l_threshold at most u_threshold",
};

/** check() with the IPVS wording of the codes it knows. */
export function checkIpvs(code: number, what: string): void {
  if (code === Result.OK) return;
  const msg = IPVS_MESSAGES[code];
  if (msg !== undefined) throw new SvcbenchError(`${what}: ${msg}`, code as Result);
  check(code, what);
}

/** A real server as ipvsadm -a takes it. */
export interface DestSpec {
  addr: number;
  port: number;
  weight: number;
  u_threshold?: number;
  l_threshold?: number;
}

const isU32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** BAD_ARG for a dest key outside ipvsadm's ranges: addr a u32, port 0..65535 (both sides check it alike). */
export function destKeyCode(addr: number, port: number): Result {
  return isU32(addr) && Number.isInteger(port) && port >= 0 && port <= 0xffff ? Result.OK : Result.BAD_ARG;
}

/**
 * BAD_ARG for what ip_vs_add_dest / ipvsadm refuse: a bad key, weight past 65535 or not whole, l_threshold
 * above u_threshold.
 */
export function destSpecCode(d: DestSpec): Result {
  const uth = d.u_threshold ?? 0,
    lth = d.l_threshold ?? 0;
  const ok =
    destKeyCode(d.addr, d.port) === Result.OK &&
    Number.isInteger(d.weight) &&
    d.weight >= 0 &&
    d.weight <= MAX_WEIGHT &&
    isU32(uth) &&
    isU32(lth) &&
    lth <= uth;
  return ok ? Result.OK : Result.BAD_ARG;
}

/** setConns's refusals: an id never handed out (known false), counters that are not u32. */
export function connsError(
  impl: string,
  id: number,
  known: boolean,
  active: number,
  inact: number,
): SvcbenchError | undefined {
  if (!known || !isU32(id)) return new SvcbenchError(`${impl}: no dest id ${id}`, Result.BAD_ARG);
  if (!isU32(active) || !isU32(inact)) {
    return new SvcbenchError(
      `${impl}: activeconns and inactconns must be integers 0..0xffffffff, got ${active}, ${inact}`,
      Result.BAD_ARG,
    );
  }
  return undefined;
}

/** One dest as struct ip_vs_dest keeps it (the columns of assembly/dest.ts, in that order). */
export interface DestState {
  id: number;
  addr: number;
  port: number;
  weight: number;
  last_weight: number;
  activeconns: number;
  inactconns: number;
  flags: number;
  u_threshold: number;
  l_threshold: number;
  refcnt: number;
}
export const DEST_FIELDS = [
  "addr",
  "port",
  "weight",
  "last_weight",
  "activeconns",
  "inactconns",
  "flags",
  "u_threshold",
  "l_threshold",
  "refcnt",
] as const;

/** A virtual service: its dests and scheduler (WASM: assembly/ipvs.ts; TS: src/reference/ipvs.ts). */
export interface IpvsService {
  readonly impl: string;
  /** "none" after a switch that failed: the old scheduler was unbound first (ip_vs_edit_service). */
  readonly scheduler: SchedulerName | "none";
  readonly size: number;
  /** ipvsadm -E -s: UNKNOWN_SCHED changes nothing; another error (NO_MEMORY, mh: FULL) leaves no scheduler. */
  setScheduler(name: SchedulerName, flags?: number): void;
  /** ipvsadm -a: OK, or EXISTS when addr:port is listed already. */
  addDest(d: DestSpec): Result.OK | Result.EXISTS;
  /** ipvsadm -e: false when addr:port is not listed. */
  editDest(d: DestSpec): boolean;
  /** ipvsadm -d: false when addr:port is not listed. */
  delDest(addr: number, port: number): boolean;
  /** The id of a listed dest. */
  findDest(addr: number, port: number): number | undefined;
  /** Dest ids in list order (newest first). */
  ids(): number[];
  dest(id: number): DestState;
  /** Sets counters and the overload flag as if connections had come and gone. */
  setConns(id: number, activeconns: number, inactconns: number, overloaded: boolean): void;
  /** The scheduler for each packet: out = dest id or NO_DEST; bind counts each pick as a new connection. */
  schedule(batch: PacketColumns, start: number, count: number, bind: boolean): void;
  /** dh / sh / mh lookup table as dest ids (NIL = 0xffffffff for none); undefined for the others. */
  table(): Uint32Array | undefined;
  dispose(): void;
}

/** The connection table and the packet path through it (WASM: conntrack.ts, route.ts; TS: reference). */
export interface IpvsRoute {
  readonly impl: string;
  /** Live connections. */
  readonly connections: number;
  /** Each packet at time now (ms): out = dest id, MISS (no service), NO_DEST or DROP. */
  route(batch: PacketColumns, start: number, count: number, now: number): void;
  /** A close (FIN) per packet: out = dest id, or MISS when there is no such connection. */
  close(batch: PacketColumns, start: number, count: number, now: number): void;
  /** Fires timers due by now; returns how many connections expired. */
  expire(now: number): number;
  /** Every connection expires now. */
  flush(): number;
  dispose(): void;
}

/** Timeouts in ms (ip_vs_proto_tcp.c): ESTABLISHED 15 min, TIME_WAIT 2 min. */
export const DEFAULT_TIMEOUTS = { established: 15 * 60 * 1000, closed: 2 * 60 * 1000 };
export interface ConntrackOptions {
  /** log2 of the buckets, 8..20 (ip_vs_conn_tab_bits; default 12). */
  bits?: number;
  /** Most connections (0: the largest). */
  limit?: number;
  /** ip_vs_conn_rnd. */
  seed?: number;
  timeouts?: { established: number; closed: number };
}
export const CONN_TAB_BITS = { min: 8, max: 20, default: 12 };

export function connTabBits(o: ConntrackOptions): number {
  const bits = o.bits ?? CONN_TAB_BITS.default;
  if (!Number.isInteger(bits) || bits < CONN_TAB_BITS.min || bits > CONN_TAB_BITS.max) {
    throw new SvcbenchError(`conn_tab_bits must be ${CONN_TAB_BITS.min}..${CONN_TAB_BITS.max}, got ${bits}`);
  }
  return bits;
}
