// Seeded workloads: same seed, same cluster and traffic; ClusterIPs unique inside 10.96.0.0/12.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MISS, PacketColumns } from "../src/core";
import { MAX_SERVICES, makeServicePorts, SERVICE_CIDR_BASE, SERVICE_CIDR_SIZE } from "../src/workload/cluster";
import { fillTraffic } from "../src/workload/traffic";
import { TsMap } from "../src/reference/map";

function plainBatch(capacity: number): PacketColumns {
  const col = () => new Uint32Array(capacity);
  return { capacity, daddr: col(), dport: col(), proto: col(), saddr: col(), sport: col(), out: col() };
}

test("the same seed gives the same Services; another seed gives others", () => {
  assert.deepEqual(makeServicePorts(500, 42), makeServicePorts(500, 42));
  assert.notDeepEqual(makeServicePorts(500, 42), makeServicePorts(500, 43));
});

test("ClusterIPs are unique, inside 10.96.0.0/12, never the network, broadcast or 10.96.0.1", () => {
  const svcs = makeServicePorts(200000, 3);
  const addrs = new Set(svcs.map((s) => s.addr));
  assert.equal(addrs.size, svcs.length);
  for (const a of addrs) {
    const off = a - SERVICE_CIDR_BASE;
    assert.ok(off >= 2 && off < SERVICE_CIDR_SIZE - 1, `offset ${off}`);
  }
  assert.ok(svcs.every((s, i) => s.target === i && [6, 17, 132].includes(s.proto)));
});

test("more Services than the /12 holds is refused by name", () => {
  assert.throws(() => makeServicePorts(MAX_SERVICES + 1, 1), /number of Services must be an integer in 0\.\.1048573/);
  assert.throws(() => makeServicePorts(-1, 1), /number of Services/);
});

test("traffic is reproducible, misses come at the asked ratio, Zipf concentrates on few Services", () => {
  const svcs = makeServicePorts(1000, 5);
  const map = new TsMap();
  svcs.forEach((s) => map.insert(s));
  const a = plainBatch(20000),
    b = plainBatch(20000);
  fillTraffic(a, svcs, { distribution: "zipf", zipfS: 1, missRatio: 0.25 }, 11);
  fillTraffic(b, svcs, { distribution: "zipf", zipfS: 1, missRatio: 0.25 }, 11);
  assert.deepEqual(a.daddr, b.daddr);
  map.lookup(a, 0, a.capacity);
  const hits = Array.from(a.out).filter((t) => t !== MISS);
  const missRatio = 1 - hits.length / a.capacity;
  assert.ok(Math.abs(missRatio - 0.25) < 0.02, `miss ratio ${missRatio}`);
  const counts = new Map<number, number>();
  for (const t of hits) counts.set(t, (counts.get(t) ?? 0) + 1);
  const top = Math.max(...counts.values()) / hits.length;
  assert.ok(top > 0.1, `hottest Service gets ${top} under Zipf(1) over 1000`);

  fillTraffic(a, svcs, { distribution: "uniform", missRatio: 0 }, 11);
  map.lookup(a, 0, a.capacity);
  assert.ok(Array.from(a.out).every((t) => t !== MISS));
  assert.throws(() => fillTraffic(a, svcs, { distribution: "uniform", missRatio: 2 }, 1), /miss ratio/);
});
