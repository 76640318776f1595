// Host side of assembly/ipvs.ts: a virtual service (dests + scheduler) in WebAssembly memory. Input
// is checked here as the TS twin checks it (destSpecCode), so both refuse alike and nothing wraps.
import { PacketColumns, Result, SvcbenchError } from "../core";
import {
  checkIpvs,
  connsError,
  DEST_FIELDS,
  destKeyCode,
  DestSpec,
  destSpecCode,
  DestState,
  IpvsService,
  SCHEDULERS,
  SchedulerName,
  UNKNOWN_SCHED,
} from "../ipvs";
import { batchPtr } from "./batch";
import { NIL } from "../abi";
import { WasmHandle } from "./handle";
import { wasm, Words } from "./module";

export class WasmService extends WasmHandle implements IpvsService {
  readonly impl = "ipvs";

  constructor() {
    super("ipvs");
    const ptr = wasm().ipvs_service_new();
    if (ptr === 0) throw new SvcbenchError("cannot allocate a virtual service in WebAssembly memory");
    this.own(ptr);
  }

  get scheduler(): SchedulerName | "none" {
    return SCHEDULERS[wasm().ipvs_service_scheduler(this.ptr)] ?? "none";
  }

  get size(): number {
    return wasm().ipvs_dest_count(this.ptr);
  }

  setScheduler(name: SchedulerName, flags = 0): void {
    const p = this.ptr,
      id = SCHEDULERS.indexOf(name);
    const code = id < 0 ? UNKNOWN_SCHED : wasm().ipvs_service_set_scheduler(p, id, flags);
    checkIpvs(code, `${this.impl}: scheduler "${name as string}"`);
  }

  addDest(d: DestSpec): Result.OK | Result.EXISTS {
    const p = this.ptr;
    checkIpvs(destSpecCode(d), `${this.impl}: adding a dest`);
    const code = wasm().ipvs_dest_add(p, d.addr, d.port, d.weight, d.u_threshold ?? 0, d.l_threshold ?? 0);
    if (code === Result.EXISTS) return code;
    checkIpvs(code, `${this.impl}: adding a dest`);
    return Result.OK;
  }

  editDest(d: DestSpec): boolean {
    const p = this.ptr;
    checkIpvs(destSpecCode(d), `${this.impl}: editing a dest`);
    const code = wasm().ipvs_dest_edit(p, d.addr, d.port, d.weight, d.u_threshold ?? 0, d.l_threshold ?? 0);
    if (code === Result.NOT_FOUND) return false;
    checkIpvs(code, `${this.impl}: editing a dest`);
    return true;
  }

  delDest(addr: number, port: number): boolean {
    const p = this.ptr;
    checkIpvs(destKeyCode(addr, port), `${this.impl}: deleting a dest`);
    const code = wasm().ipvs_dest_del(p, addr, port);
    if (code === Result.NOT_FOUND) return false;
    checkIpvs(code, `${this.impl}: deleting a dest`);
    return true;
  }

  findDest(addr: number, port: number): number | undefined {
    const p = this.ptr;
    checkIpvs(destKeyCode(addr, port), `${this.impl}: finding a dest`);
    const id = wasm().ipvs_dest_find(p, addr, port) >>> 0;
    return id === NIL ? undefined : id;
  }

  ids(): number[] {
    const p = this.ptr,
      out = new Words(Math.max(1, this.size));
    try {
      return Array.from(out.words.subarray(0, wasm().ipvs_dest_ids(p, out.ptr)));
    } finally {
      out.dispose();
    }
  }

  dest(id: number): DestState {
    const w = wasm(),
      p = this.ptr,
      s = { id } as DestState;
    DEST_FIELDS.forEach((f, i) => {
      s[f] = w.ipvs_dest_get(p, id, i) >>> 0;
    });
    return s;
  }

  /** A dest's address and port alone (two reads, where dest() reads every field). */
  addrPort(id: number): { addr: number; port: number } {
    const w = wasm();
    return { addr: w.ipvs_dest_get(this.ptr, id, 0) >>> 0, port: w.ipvs_dest_get(this.ptr, id, 1) >>> 0 };
  }

  setConns(id: number, activeconns: number, inactconns: number, overloaded: boolean): void {
    const p = this.ptr;
    const bad =
      connsError(this.impl, id, true, activeconns, inactconns) ??
      (wasm().ipvs_dest_set_conns(p, id, activeconns, inactconns, overloaded ? 1 : 0) === Result.OK
        ? undefined
        : connsError(this.impl, id, false, activeconns, inactconns));
    if (bad) throw bad;
  }

  schedule(batch: PacketColumns, start: number, count: number, bind: boolean): void {
    const code = wasm().ipvs_schedule(this.ptr, batchPtr(batch), start, count, bind ? 1 : 0);
    if (code !== Result.OK) checkIpvs(code, `${this.impl}: scheduling packets ${start}..${start + count}`);
  }

  table(): Uint32Array | undefined {
    const w = wasm(),
      p = this.ptr,
      n = w.ipvs_sched_table_size(p);
    if (n === 0) return undefined;
    const out = new Words(n);
    try {
      w.ipvs_sched_table(p, out.ptr);
      return out.words.slice();
    } finally {
      out.dispose();
    }
  }

  /** dispose() refuses while connections still hold its dests (IN_USE) or a live route lists it. */
  protected free(ptr: number): void {
    checkIpvs(wasm().ipvs_service_free(ptr), `${this.impl}: freeing the service`);
  }
}
