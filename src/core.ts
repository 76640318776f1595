// What every service-lookup core shares: keys, result codes, the batch shape, the interfaces.
import * as abi from "./abi";

/** A lookup's answer when no service port matches. */
export const MISS = abi.MISS;

export const { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP } = abi;
/** The protocols a Kubernetes Service port may use. */
const SERVICE_PROTOCOLS = [IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP] as const;

/** Result codes of the WASM cores (assembly/common.ts), mirrored by the TS twins. */
export enum Result {
  OK = abi.OK,
  EXISTS = abi.EXISTS,
  NOT_FOUND = abi.NOT_FOUND,
  FULL = abi.FULL,
  NO_MEMORY = abi.NO_MEMORY,
  BAD_PROTO = abi.BAD_PROTO,
  BAD_ARG = abi.BAD_ARG,
}

/** Most entries any table holds (assembly/common.ts MAX_ENTRIES). */
export const MAX_ENTRIES = abi.MAX_ENTRIES;

const MESSAGES: Record<number, string> = {
  [Result.EXISTS]: "the service port is already present",
  [Result.NOT_FOUND]: "no such service port",
  [Result.FULL]: "the table is full (past its entry limit)",
  [Result.NO_MEMORY]: "WebAssembly memory cannot grow any further",
  [Result.BAD_PROTO]: "a service port must be TCP (6), UDP (17) or SCTP (132) with a port in 0..65535",
  [Result.BAD_ARG]: "a size or range is out of bounds",
};

/** An error svcbench reports as one clear line. */
export class SvcbenchError extends Error {
  override readonly name = "SvcbenchError";
  constructor(
    message: string,
    readonly code?: Result,
  ) {
    super(message);
  }
}

/** Why a file operation failed, for a one-line message: its errno code (ENOENT, EACCES…), else its message. */
export const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** A parser's error message cut to its first line, for a one-line message. */
export const firstLine = (err: unknown) => String((err as Error).message ?? err).split("\n")[0];

/** Throws a SvcbenchError for any code but OK (and EXISTS when allowed). */
export function check(code: number, what: string): Result {
  if (code === Result.OK) return code;
  throw new SvcbenchError(`${what}: ${MESSAGES[code] ?? `unknown result code ${code}`}`, code);
}

/** One service port as the rules see it: -d addr -p proto --dport port. */
export interface ServicePort {
  addr: number; // IPv4 as an unsigned 32-bit number
  port: number;
  proto: number;
}

/** A service port and what it leads to (the KUBE-SVC chain / verdict: its index). */
export interface ServiceEntry extends ServicePort {
  target: number;
}

/** Packet columns, one u32 per packet; out receives the answer (target or MISS). */
export interface PacketColumns {
  readonly capacity: number;
  readonly daddr: Uint32Array;
  readonly dport: Uint32Array;
  readonly proto: Uint32Array;
  readonly saddr: Uint32Array;
  readonly sport: Uint32Array;
  readonly out: Uint32Array;
}

/** Anything that resolves a batch of packets to service ports. */
export interface ServiceLookup {
  readonly impl: string;
  /** Resolves packets [start, start+count) of the batch into its out column. */
  lookup(batch: PacketColumns, start: number, count: number): void;
  /** Gives back what it holds (WASM memory); the object is unusable afterwards. */
  dispose(): void;
}

/** A keyed table (ipvs service table, nftables vmap, Map): insert and delete one entry at a time. */
export interface ServiceTable extends ServiceLookup {
  readonly size: number;
  /** OK or EXISTS (the first entry stays); anything else throws. */
  insert(e: ServiceEntry): Result.OK | Result.EXISTS;
  /** True if the entry was there. */
  delete(k: ServicePort): boolean;
}

/** An ordered rule list (iptables chain): first match wins. */
export interface RuleChain extends ServiceLookup {
  readonly length: number;
  /** Replaces every rule, as iptables-restore does to a chain; all or nothing. */
  replace(rules: readonly ServiceEntry[]): void;
  append(rule: ServiceEntry): void;
}

/**
 * The largest target a table stores: the three values above it are answers, not targets (MISS here,
 * NO_DEST and DROP in ipvs.ts), so a stored one would read back as a miss or a drop.
 */
const MAX_TARGET = 0xfffffffc;

const isU32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;

/** What is wrong with a service port's key, naming the field (undefined: nothing). */
function servicePortProblem(k: ServicePort): SvcbenchError | undefined {
  if (!isU32(k.addr))
    return new SvcbenchError(
      `addr must be an integer in 0..4294967295 (an IPv4 address), got ${String(k.addr)}`,
      Result.BAD_ARG,
    );
  if (!Number.isInteger(k.port) || k.port < 0 || k.port > 0xffff) {
    return new SvcbenchError(`port must be an integer in 0..65535, got ${String(k.port)}`, Result.BAD_PROTO);
  }
  if (!(SERVICE_PROTOCOLS as readonly unknown[]).includes(k.proto)) {
    return new SvcbenchError(`proto must be TCP (6), UDP (17) or SCTP (132), got ${String(k.proto)}`, Result.BAD_PROTO);
  }
  return undefined;
}

/** Refuses a key outside its fields' ranges, every core alike (WASM wrappers and TS twins): what names the call. */
export function checkServicePort(k: ServicePort, what: string): void {
  const bad = servicePortProblem(k);
  if (bad) throw new SvcbenchError(`${what}: ${bad.message}`, bad.code);
}

/** checkServicePort, and a target that is an integer in 0..MAX_TARGET. */
export function checkServiceEntry(e: ServiceEntry, what: string): void {
  checkServicePort(e, what);
  if (!isU32(e.target) || e.target > MAX_TARGET) {
    throw new SvcbenchError(
      `${what}: target must be an integer in 0..${MAX_TARGET} (above are the MISS, NO_DEST and DROP answers), got ${String(e.target)}`,
      Result.BAD_ARG,
    );
  }
}
