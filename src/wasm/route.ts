// Host side of assembly/conntrack.ts and route.ts: the IPVS connection table and the packet path
// through it to a keyed service table (svctable or vmap) and the virtual services behind it. The
// route holds raw pointers to the table and services: they refuse to be freed while it lives (holds.ts).
import { check, PacketColumns, Result, SvcbenchError } from "../core";
import { connTabBits, ConntrackOptions, DEFAULT_TIMEOUTS, IpvsRoute } from "../ipvs";
import { batchPtr } from "./batch";
import { hold, unhold } from "./holds";
import { WasmService } from "./ipvs";
import { WasmKeyedTable } from "./keyed";
import { wasm, Words } from "./module";

const TABLE_KIND: Record<WasmKeyedTable["impl"], number> = { "svctable-fixed": 0, "svctable-resizable": 0, vmap: 1 };

export class WasmRoute implements IpvsRoute {
  readonly impl = "route";
  readonly ct: number;
  private readonly svcs: Words;
  private readonly ptr: number;
  /** What it points at: the table and each distinct service, held until dispose. */
  private readonly held: object[];
  private freed = false;

  /** services[target]: the virtual service of the table's answer target (undefined: none). */
  constructor(table: WasmKeyedTable, services: readonly (WasmService | undefined)[], o: ConntrackOptions = {}) {
    const w = wasm(), bits = connTabBits(o), t = o.timeouts ?? DEFAULT_TIMEOUTS;
    const ct = w.conntrack_new(bits, o.limit ?? 0, o.seed ?? 0);
    if (ct === 0) throw new SvcbenchError(`cannot allocate a connection table of 2^${bits} buckets`);
    let svcs: Words | undefined, ptr = 0;
    try {
      check(w.conntrack_set_timeouts(ct, t.established, t.closed), `${this.impl}: timeouts`);
      svcs = new Words(Math.max(1, services.length));
      svcs.words.set(services.map((s) => s?.ptr ?? 0));
      ptr = w.route_new(ct, TABLE_KIND[table.impl], table.ptr, svcs.ptr, services.length);
      if (ptr === 0) throw new SvcbenchError(`${this.impl}: cannot allocate the route`);
    } catch (e) {
      svcs?.dispose();
      w.conntrack_free(ct);
      throw e;
    }
    this.ct = ct;
    this.svcs = svcs;
    this.ptr = ptr;
    this.held = [table, ...new Set(services.filter((s): s is WasmService => s !== undefined))];
    for (const x of this.held) hold(x);
  }

  get connections(): number {
    return wasm().conntrack_count(this.ct);
  }

  get buckets(): number {
    return wasm().conntrack_buckets(this.ct);
  }

  route(batch: PacketColumns, start: number, count: number, now: number): void {
    const code = wasm().route_run(this.ptr, batchPtr(batch), start, count, now >>> 0);
    if (code !== Result.OK) check(code, `${this.impl}: routing packets ${start}..${start + count}`);
  }

  close(batch: PacketColumns, start: number, count: number, now: number): void {
    check(wasm().conntrack_close(this.ct, batchPtr(batch), start, count, now >>> 0), `${this.impl}: closing`);
  }

  expire(now: number): number {
    return wasm().conntrack_expire(this.ct, now >>> 0);
  }

  flush(): number {
    return wasm().conntrack_flush(this.ct);
  }

  /** Every connection goes (its dests' counters with it); the services and table stay the caller's, free to go. */
  dispose(): void {
    if (this.freed) return;
    const w = wasm();
    w.conntrack_flush(this.ct);
    w.route_free(this.ptr);
    w.conntrack_free(this.ct);
    this.svcs.dispose();
    for (const x of this.held) unhold(x);
    this.freed = true;
  }
}
