// Host side of assembly/conntrack.ts and route.ts: the IPVS connection table and the packet path
// through it to a keyed service table (svctable or vmap) and the virtual services behind it. The
// route holds raw pointers to the table and services: they refuse to be freed while it lives (holds.ts).
import { check, PacketColumns, Result, SvcbenchError } from "../core";
import { connTabBits, ConntrackOptions, DEFAULT_TIMEOUTS, IpvsRoute } from "../ipvs";
import { batchPtr } from "./batch";
import { WasmHandle } from "./handle";
import { hold, unhold } from "./holds";
import { WasmService } from "./ipvs";
import { WasmKeyedTable } from "./keyed";
import { wasm, Words } from "./module";

const TABLE_KIND: Record<WasmKeyedTable["impl"], number> = { "svctable-fixed": 0, "svctable-resizable": 0, vmap: 1 };

export class WasmRoute extends WasmHandle implements IpvsRoute {
  readonly impl = "route";
  private readonly conntrack: number;
  private readonly svcs: Words;
  /** What it points at: the table and each distinct service, held until dispose. */
  private readonly held: object[];

  /** services[target]: the virtual service of the table's answer target (undefined: none). */
  constructor(table: WasmKeyedTable, services: readonly (WasmService | undefined)[], o: ConntrackOptions = {}) {
    super("route");
    const w = wasm(),
      bits = connTabBits(o),
      t = o.timeouts ?? DEFAULT_TIMEOUTS;
    const tablePtr = table.ptr,
      svcPtrs = services.map((s) => s?.ptr ?? 0); // disposed ones refuse here
    const ct = w.conntrack_new(bits, o.limit ?? 0, o.seed ?? 0);
    if (ct === 0) throw new SvcbenchError(`cannot allocate a connection table of 2^${bits} buckets`);
    let svcs: Words | undefined,
      ptr = 0;
    try {
      check(w.conntrack_set_timeouts(ct, t.established, t.closed), `${this.impl}: timeouts`);
      svcs = new Words(Math.max(1, services.length));
      svcs.words.set(svcPtrs);
      ptr = w.route_new(ct, TABLE_KIND[table.impl], tablePtr, svcs.ptr, services.length);
      if (ptr === 0) throw new SvcbenchError(`${this.impl}: cannot allocate the route`);
    } catch (e) {
      svcs?.dispose();
      w.conntrack_free(ct);
      throw e;
    }
    this.conntrack = ct;
    this.svcs = svcs;
    this.own(ptr);
    this.held = [table, ...new Set(services.filter((s): s is WasmService => s !== undefined))];
    for (const x of this.held) hold(x);
  }

  /** The connection table's pointer; a SvcbenchError once disposed. */
  get ct(): number {
    this.guard();
    return this.conntrack;
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

  /**
   * On dispose, every connection goes (its dests' counters with it); the services and table stay the
   * caller's, free to go.
   */
  protected free(ptr: number): void {
    const w = wasm();
    w.conntrack_flush(this.conntrack);
    w.route_free(ptr);
    w.conntrack_free(this.conntrack);
    this.svcs.dispose();
    for (const x of this.held) unhold(x);
  }
}
