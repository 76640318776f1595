// Shared test fixtures: arbitrary service ports and packets, and the plain oracle.
import fc from "fast-check";
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, MISS, PacketColumns, ServiceEntry } from "../src/core";

/** A few addresses and ports only, so that repeats and near-misses are common. */
export const arbAddr = fc.constantFrom(0x0a600001, 0x0a600002, 0x0a6000ff, 0x0a600100, 0x0a6fffff, 0xffffffff, 0);
export const arbPort = fc.constantFrom(0, 53, 80, 443, 8080, 65535);
export const arbProto = fc.constantFrom(IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP);

export const arbEntry = (target: fc.Arbitrary<number> = fc.nat(1000)): fc.Arbitrary<ServiceEntry> =>
  fc.record({ addr: arbAddr, port: arbPort, proto: arbProto, target });

/** Entries spread over many addresses too, so that larger sets are mostly distinct. */
export const arbWideEntry: fc.Arbitrary<ServiceEntry> = fc.record({
  addr: fc.oneof(arbAddr, fc.integer({ min: 0x0a600000, max: 0x0a6fffff })),
  port: arbPort,
  proto: arbProto,
  target: fc.nat(1 << 20),
});

export interface Packet {
  daddr: number;
  dport: number;
  proto: number;
}
/**
 * Packets that hit one of the entries, or miss (other address, port or protocol, ICMP included, and a
 * port or protocol past its range that would alias a real one modulo 2^16: 80 + 65536, 6 + 65536).
 */
export const arbPacketFor = (entries: readonly ServiceEntry[]): fc.Arbitrary<Packet> => {
  const miss = fc.record({
    daddr: arbAddr,
    dport: fc.oneof(arbPort, fc.constantFrom(80 + 65536, 0xffffffff)),
    proto: fc.constantFrom(IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, 1, IPPROTO_TCP + 65536),
  });
  if (entries.length === 0) return miss;
  const hit = fc.constantFrom(...entries).map((e) => ({ daddr: e.addr, dport: e.port, proto: e.proto }));
  return fc.oneof(hit, miss);
};

/** The oracle: the first entry that matches, as KUBE-SERVICES answers. */
export function firstMatch(entries: readonly ServiceEntry[], p: Packet): number {
  const e = entries.find((x) => x.addr === p.daddr && x.port === p.dport && x.proto === p.proto);
  return e ? e.target : MISS;
}

export function fillPackets(batch: PacketColumns, packets: Packet[]): void {
  packets.forEach((p, i) => {
    batch.daddr[i] = p.daddr;
    batch.dport[i] = p.dport;
    batch.proto[i] = p.proto;
  });
}
