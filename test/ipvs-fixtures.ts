// Shared fixtures of the IPVS tests: services on both sides, dest sets, packets, state snapshots.
import fc from "fast-check";
import { PacketColumns } from "../src/core";
import { DestSpec, IpvsService, SchedulerName } from "../src/ipvs";
import { TsService } from "../src/reference/ipvs";
import { WasmService } from "../src/wasm/ipvs";

/** A WASM service and its TS twin, same scheduler and flags, same dests added in order. */
export function twins(name: SchedulerName, flags = 0, dests: readonly DestSpec[] = []): [WasmService, TsService] {
  const pair: [WasmService, TsService] = [new WasmService(), new TsService()];
  for (const s of pair) {
    s.setScheduler(name, flags);
    for (const d of dests) s.addDest(d);
  }
  return pair;
}

/** n dests 10.244.0.1.. port 8080, weight 1 (as kube-proxy adds them), or the given weights. */
export function pods(n: number, weight: (i: number) => number = () => 1): DestSpec[] {
  return Array.from({ length: n }, (_, i) => ({ addr: 0x0af40001 + i, port: 8080, weight: weight(i) }));
}

/** Everything observable of a service: list order, every id's record (trash too), the table. */
export function snapshot(s: IpvsService, maxId: number): unknown {
  const ids = s.ids();
  const known = Array.from({ length: maxId }, (_, id) => s.dest(id));
  return { ids, known, table: s.table() ? Array.from(s.table()!) : undefined };
}

export interface Pkt {
  saddr: number;
  sport: number;
  daddr: number;
}
/** Few clients and virtual addresses, so hashes repeat; sometimes any u32. */
export const arbPkt: fc.Arbitrary<Pkt> = fc.record({
  saddr: fc.oneof(fc.constantFrom(0x0a000001, 0x0a000002, 0xc0a80001), fc.nat({ max: 0xffffffff })),
  sport: fc.oneof(fc.constantFrom(1024, 40000, 65535), fc.nat({ max: 0xffff })),
  daddr: fc.oneof(fc.constantFrom(0x0a600001, 0x0a600002), fc.nat({ max: 0xffffffff })),
});

export function fillPkts(b: PacketColumns, pkts: readonly Pkt[]): void {
  pkts.forEach((p, i) => {
    b.saddr[i] = p.saddr;
    b.sport[i] = p.sport;
    b.daddr[i] = p.daddr;
  });
}

/** Picks for these packets: dest ids or NO_DEST. */
export function picks(s: IpvsService, b: PacketColumns, pkts: readonly Pkt[], bind = false): number[] {
  fillPkts(b, pkts);
  s.schedule(b, 0, pkts.length, bind);
  return Array.from(b.out.subarray(0, pkts.length));
}
