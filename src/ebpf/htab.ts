// The BPF hash map's host-side shape (linux kernel/bpf/hashtab.c), shared by the WASM core
// (assembly/ebpf/htab.ts) and its TS twin, and the lookup suite's ebpf-htab core over it: Cilium's lb4
// services map (cilium bpf/lib/lb.h) holding one frontend entry (backend_slot 0) per service port.
import {
  check,
  PacketColumns,
  Result,
  ServiceEntry,
  ServicePort,
  ServiceTable,
  SvcbenchError,
  checkServiceEntry,
  checkServicePort,
} from "../core";
import { LB_MAP_MAX_ENTRIES, lb4Key } from "./lb4";

/** map_update_elem flags. */
export const BPF_ANY = 0,
  BPF_NOEXIST = 1,
  BPF_EXIST = 2;
export const HTAB_NIL = 0xffffffff;
export type Key = readonly [number, number, number];
export type Value = readonly [number, number, number];

/** One BPF_MAP_TYPE_HASH with preallocated elements; keys of keyWords (1..3) u32 words, values of 3. */
export interface Htab {
  readonly keyWords: number;
  readonly maxEntries: number;
  readonly count: number;
  readonly buckets: number;
  /** A Result code: OK, EXISTS (BPF_NOEXIST), NOT_FOUND (BPF_EXIST), FULL (-E2BIG), BAD_ARG. */
  update(k: Key, v: Value, flags?: number): Result;
  /** OK or NOT_FOUND. */
  delete(k: Key): Result;
  /** The value, or undefined. */
  lookup(k: Key): Value | undefined;
  /** lb4_lookup_service per packet: out = the frontend's first value word, or MISS. */
  lookupLb4(batch: PacketColumns, start: number, count: number): void;
  /** Elements per bucket. */
  chainLengths(): number[];
  dispose(): void;
}

/** Key words past keyWords must be zero; more than 3 words or a zero size is refused. */
export function checkMapShape(keyWords: number, maxEntries: number): void {
  if (!Number.isInteger(keyWords) || keyWords < 1 || keyWords > 3)
    throw new SvcbenchError(`BPF hash map: key of ${keyWords} words (1..3 here)`, Result.BAD_ARG);
  if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 1 << 24)
    throw new SvcbenchError(`BPF hash map: max_entries ${maxEntries} (1..${1 << 24})`, Result.BAD_ARG);
}

/**
 * The lookup suite's ebpf-htab core: each service port one frontend entry of the lb4 services map
 * (key address . dport . slot 0 . proto; value word 0 = the service port's index, where Cilium keeps
 * the frontend's affinity timeout: its rev_nat_index is 16 bits, too few for a million ports).
 */
export class EbpfServiceTable implements ServiceTable {
  readonly impl = "ebpf-htab";
  constructor(readonly map: Htab) {}

  get size(): number {
    return this.map.count;
  }

  insert(e: ServiceEntry): Result.OK | Result.EXISTS {
    checkServiceEntry(e, `${this.impl}: inserting`);
    const code = this.map.update(lb4Key(e.addr, e.port, e.proto), [e.target >>> 0, 0, 0], BPF_NOEXIST);
    if (code === Result.EXISTS) return code;
    check(code, `${this.impl}: inserting ${e.addr}:${e.port}/${e.proto}`);
    return Result.OK;
  }

  delete(k: ServicePort): boolean {
    checkServicePort(k, `${this.impl}: deleting`);
    return this.map.delete(lb4Key(k.addr, k.port, k.proto)) === Result.OK;
  }

  lookup(batch: PacketColumns, start: number, count: number): void {
    this.map.lookupLb4(batch, start, count);
  }

  dispose(): void {
    this.map.dispose();
  }
}

/** max_entries for n service ports: Cilium's default, or n when an operator raised --bpf-lb-map-max to fit. */
export const mapSizeFor = (n: number) => Math.max(LB_MAP_MAX_ENTRIES, n);
