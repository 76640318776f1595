// Host side of assembly/ipvs.ts: a virtual service (dests + scheduler) in WebAssembly memory. Input
// is checked here as the TS twin checks it (destSpecCode), so both refuse alike and nothing wraps.
import { PacketColumns, Result, SvcbenchError } from "../core";
import {
  checkIpvs, connsError, DEST_FIELDS, destKeyCode, DestSpec, destSpecCode, DestState, IpvsService, SCHEDULERS,
  SchedulerName, UNKNOWN_SCHED,
} from "../ipvs";
import { batchPtr } from "./batch";
import { checkUnheld } from "./holds";
import { wasm, Words } from "./module";

const NIL = 0xffffffff;

export class WasmService implements IpvsService {
  readonly impl = "ipvs";
  readonly ptr: number;
  private freed = false;

  constructor() {
    this.ptr = wasm().ipvs_service_new();
    if (this.ptr === 0) throw new SvcbenchError("cannot allocate a virtual service in WebAssembly memory");
  }

  get scheduler(): SchedulerName {
    return SCHEDULERS[wasm().ipvs_service_scheduler(this.ptr)];
  }

  get size(): number {
    return wasm().ipvs_dest_count(this.ptr);
  }

  setScheduler(name: SchedulerName, flags = 0): void {
    const id = SCHEDULERS.indexOf(name);
    const code = id < 0 ? UNKNOWN_SCHED : wasm().ipvs_service_set_scheduler(this.ptr, id, flags);
    checkIpvs(code, `${this.impl}: scheduler "${name as string}"`);
  }

  addDest(d: DestSpec): Result.OK | Result.EXISTS {
    checkIpvs(destSpecCode(d), `${this.impl}: adding a dest`);
    const code = wasm().ipvs_dest_add(this.ptr, d.addr, d.port, d.weight, d.u_threshold ?? 0, d.l_threshold ?? 0);
    if (code === Result.EXISTS) return code;
    checkIpvs(code, `${this.impl}: adding a dest`);
    return Result.OK;
  }

  editDest(d: DestSpec): boolean {
    checkIpvs(destSpecCode(d), `${this.impl}: editing a dest`);
    const code = wasm().ipvs_dest_edit(this.ptr, d.addr, d.port, d.weight, d.u_threshold ?? 0, d.l_threshold ?? 0);
    if (code === Result.NOT_FOUND) return false;
    checkIpvs(code, `${this.impl}: editing a dest`);
    return true;
  }

  delDest(addr: number, port: number): boolean {
    checkIpvs(destKeyCode(addr, port), `${this.impl}: deleting a dest`);
    const code = wasm().ipvs_dest_del(this.ptr, addr, port);
    if (code === Result.NOT_FOUND) return false;
    checkIpvs(code, `${this.impl}: deleting a dest`);
    return true;
  }

  findDest(addr: number, port: number): number | undefined {
    checkIpvs(destKeyCode(addr, port), `${this.impl}: finding a dest`);
    const id = wasm().ipvs_dest_find(this.ptr, addr, port) >>> 0;
    return id === NIL ? undefined : id;
  }

  ids(): number[] {
    const out = new Words(Math.max(1, this.size));
    try {
      return Array.from(out.words.subarray(0, wasm().ipvs_dest_ids(this.ptr, out.ptr)));
    } finally {
      out.dispose();
    }
  }

  dest(id: number): DestState {
    const w = wasm(), s = { id } as DestState;
    DEST_FIELDS.forEach((f, i) => { s[f] = w.ipvs_dest_get(this.ptr, id, i) >>> 0; });
    return s;
  }

  /** A dest's address and port alone (two reads, where dest() reads every field). */
  addrPort(id: number): { addr: number; port: number } {
    const w = wasm();
    return { addr: w.ipvs_dest_get(this.ptr, id, 0) >>> 0, port: w.ipvs_dest_get(this.ptr, id, 1) >>> 0 };
  }

  setConns(id: number, activeconns: number, inactconns: number, overloaded: boolean): void {
    const bad = connsError(this.impl, id, true, activeconns, inactconns) ??
      (wasm().ipvs_dest_set_conns(this.ptr, id, activeconns, inactconns, overloaded ? 1 : 0) === Result.OK ? undefined
        : connsError(this.impl, id, false, activeconns, inactconns));
    if (bad) throw bad;
  }

  schedule(batch: PacketColumns, start: number, count: number, bind: boolean): void {
    const code = wasm().ipvs_schedule(this.ptr, batchPtr(batch), start, count, bind ? 1 : 0);
    if (code !== Result.OK) checkIpvs(code, `${this.impl}: scheduling packets ${start}..${start + count}`);
  }

  table(): Uint32Array | undefined {
    const w = wasm(), n = w.ipvs_sched_table_size(this.ptr);
    if (n === 0) return undefined;
    const out = new Words(n);
    try {
      w.ipvs_sched_table(this.ptr, out.ptr);
      return out.words.slice();
    } finally {
      out.dispose();
    }
  }

  /** An error while connections still hold its dests (IN_USE) or a live route lists it; once only. */
  dispose(): void {
    if (this.freed) return;
    checkUnheld(this, `${this.impl}: freeing the service`);
    checkIpvs(wasm().ipvs_service_free(this.ptr), `${this.impl}: freeing the service`);
    this.freed = true;
  }
}
