// Source: cilium pkg/maps/lbmap/lbmap.go, over BPF hash maps as linux kernel/bpf/hashtab.c keeps them.
// The maps Cilium's agent writes for Services (cilium pkg/maps/lbmap/lbmap.go UpsertService,
// UpsertMaglevLookupTable, DeleteService; map layouts of bpf/lib/lb.h) over the model kernel's BPF hash
// maps (assembly/ebpf/htab.ts): lb4 services (frontend slot 0 with the backend count, slots 1..count with
// backend ids), lb4 backends (id → address, port), and with Maglev one table of M backend ids per
// frontend (LB4_MAGLEV_MAP_OUTER's inner array: one value of 4·M bytes). Each operation is counted with
// the bytes of its key and value (the bpf() syscall's payload) and, when kept, written as a
// `bpftool batch` line for the kernel suite ("@MAPS@" stands for the pinned maps' folder).
import { SvcbenchError } from "../../core";
import { Key, Value } from "../../ebpf/htab";
import { WasmHtab } from "../../wasm/ebpf";

const SERVICES_MAP = "lb4_services";
const BACKENDS_MAP = "lb4_backends";
export const MAPS_DIR = "@MAPS@";

const hex = (bytes: number[]) => bytes.map((b) => (b & 0xff).toString(16).padStart(2, "0")).join(" ");
const le16 = (v: number) => [v, v >>> 8];
const le32 = (v: number) => [v, v >>> 8, v >>> 16, v >>> 24];
const be16 = (v: number) => [v >>> 8, v];
const be32 = (v: number) => [v >>> 24, v >>> 16, v >>> 8, v];

/** struct lb4_key bytes: address and dport in network order, backend_slot, proto, scope, pad. */
const lb4KeyBytes = (k: Key) => [
  ...be32(k[0]),
  ...be16(k[1] & 0xffff),
  ...le16(k[1] >>> 16),
  k[2] & 0xff,
  (k[2] >>> 8) & 0xff,
  0,
  0,
];
/** struct lb4_service bytes: backend_id (or affinity timeout), count, rev_nat_index, flags, flags2, qcount. */
const lb4ServiceBytes = (v: Value) => [
  ...le32(v[0]),
  ...le16(v[1] & 0xffff),
  ...le16(v[1] >>> 16),
  v[2] & 0xff,
  (v[2] >>> 8) & 0xff,
  0,
  0,
];
/** struct lb4_backend bytes: address, port (network order), proto, flags, cluster_id, zone, pad. */
const lb4BackendBytes = (v: Value) => [...be32(v[0]), ...be16(v[1] & 0xffff), (v[1] >>> 16) & 0xff, 0, 0, 0, 0, 0];

interface MapWrites {
  ops: number;
  bytes: number;
}

export class LbMaps {
  readonly services: WasmHtab;
  readonly backends: WasmHtab;
  /** rev_nat_index → the frontend's Maglev table (backend ids). */
  readonly maglev = new Map<number, Uint32Array>();
  /** bpftool batch lines of the writes since the last take(), when kept. */
  private lines: string[] | undefined;
  private w: MapWrites = { ops: 0, bytes: 0 };

  constructor(maxEntries: number, hashrnd: number, keepText: boolean) {
    this.services = new WasmHtab(3, maxEntries, hashrnd);
    try {
      this.backends = new WasmHtab(1, maxEntries, hashrnd ^ 0x9e3779b9);
    } catch (err) {
      this.services.dispose();
      throw err;
    }
    this.lines = keepText ? [] : undefined;
  }

  private count(bytes: number): void {
    this.w.ops++;
    this.w.bytes += bytes;
  }

  private must(code: number, what: string): void {
    if (code !== 0)
      throw new SvcbenchError(
        `ebpf: ${what} failed (the lb4 maps hold ${this.services.maxEntries} entries: raise --bpf-lb-map-max)`,
        code,
      );
  }

  updateService(k: Key, v: Value): void {
    this.must(this.services.update(k, v), `updating ${SERVICES_MAP}`);
    this.count(24);
    this.lines?.push(
      `map update pinned ${MAPS_DIR}/${SERVICES_MAP} key hex ${hex(lb4KeyBytes(k))} value hex ${hex(lb4ServiceBytes(v))}`,
    );
  }

  deleteService(k: Key): void {
    this.services.delete(k);
    this.count(12);
    this.lines?.push(`map delete pinned ${MAPS_DIR}/${SERVICES_MAP} key hex ${hex(lb4KeyBytes(k))}`);
  }

  updateBackend(id: number, v: Value): void {
    this.must(this.backends.update([id, 0, 0], v), `updating ${BACKENDS_MAP}`);
    this.count(16);
    this.lines?.push(
      `map update pinned ${MAPS_DIR}/${BACKENDS_MAP} key hex ${hex(le32(id))} value hex ${hex(lb4BackendBytes(v))}`,
    );
  }

  deleteBackend(id: number): void {
    this.backends.delete([id, 0, 0]);
    this.count(4);
    this.lines?.push(`map delete pinned ${MAPS_DIR}/${BACKENDS_MAP} key hex ${hex(le32(id))}`);
  }

  /**
   * updateMaglevTable: the inner array's one value, all M ids (no bpftool line: the socket-LB program has no
   * Maglev map).
   */
  updateMaglev(revNat: number, ids: Uint32Array): void {
    this.maglev.set(revNat, ids);
    this.count(4 + 4 * ids.length);
  }

  deleteMaglev(revNat: number): void {
    if (this.maglev.delete(revNat)) this.count(2);
  }

  /** What was written since the last take, and the bpftool lines (when kept). */
  take(): MapWrites & { text?: string } {
    const out = {
      ...this.w,
      text: this.lines && this.lines.length > 0 ? this.lines.join("\n") + "\n" : this.lines ? "" : undefined,
    };
    this.w = { ops: 0, bytes: 0 };
    if (this.lines) this.lines = [];
    return out;
  }

  dispose(): void {
    this.services.dispose();
    this.backends.dispose();
  }
}
