// Plain-TS twin of the keyed cores (assembly/svctable.ts, assembly/vmap.ts): a JS Map
// keyed by addr . proto . port, the same results (EXISTS keeps the first entry).
import {
  check,
  checkServiceEntry,
  checkServicePort,
  MAX_ENTRIES,
  MISS,
  PacketColumns,
  Result,
  ServiceEntry,
  ServicePort,
  ServiceTable,
} from "../core";

/** One exact number per key: 32 address bits, 2 protocol bits, 16 port bits (< 2^53). */
const PROTO_CODE: Record<number, number> = { 6: 1, 17: 2, 132: 3 };
function keyOf(addr: number, port: number, proto: number): number {
  const code = PROTO_CODE[proto];
  return code === undefined || port > 0xffff ? -1 : (addr * 4 + code) * 65536 + port;
}

export class TsMap implements ServiceTable {
  readonly impl = "map-ts";
  private readonly map = new Map<number, number>();
  private readonly limit: number;

  constructor(limit = 0) {
    this.limit = limit <= 0 || limit > MAX_ENTRIES ? MAX_ENTRIES : limit;
  }

  get size(): number {
    return this.map.size;
  }

  insert(e: ServiceEntry): Result.OK | Result.EXISTS {
    checkServiceEntry(e, `${this.impl}: inserting`);
    const k = keyOf(e.addr, e.port, e.proto);
    if (this.map.has(k)) return Result.EXISTS;
    if (this.map.size >= this.limit) check(Result.FULL, `${this.impl}: inserting`);
    this.map.set(k, e.target);
    return Result.OK;
  }

  delete(k: ServicePort): boolean {
    checkServicePort(k, `${this.impl}: deleting`);
    return this.map.delete(keyOf(k.addr, k.port, k.proto));
  }

  lookup(batch: PacketColumns, start: number, count: number): void {
    const { daddr: D, dport: T, proto: R, out: O } = batch;
    const map = this.map;
    for (let k = start, end = start + count; k < end; k++) {
      O[k] = map.get(keyOf(D[k], T[k], R[k])) ?? MISS;
    }
  }

  dispose(): void {}
}
