// Verdict-map elements are kept by their whole key (ipv4_addr . inet_proto . inet_service, 56 bits):
// over the whole IPv4 range, every protocol and every port no two keys share an entry, and two ports
// of one LoadBalancer IP (198.18.0.0/15, above 32.0.0.0) are two elements of service-ips.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { formatIPv4 } from "../src/cluster/ip";
import { ElementTable } from "../src/proxy/nftables/element-table";
import { NftRuleset, TABLE } from "../src/proxy/nftables/ruleset";

const key = fc.record({ addr: fc.nat({ max: 0xffffffff }), proto: fc.nat({ max: 255 }), port: fc.nat({ max: 65535 }) });

test("the element table behaves as a map keyed by (address, protocol, port) over their whole ranges", () => {
  const op = fc.tuple(fc.constantFrom("set", "delete"), key, fc.nat());
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const t = new ElementTable(),
        ref = new Map<string, number>();
      for (const [verb, k, v] of ops) {
        const s = `${k.addr}/${k.proto}/${k.port}`;
        if (verb === "set") {
          t.set(k.addr, k.proto, k.port, v);
          ref.set(s, v);
        } else assert.equal(t.delete(k.addr, k.proto, k.port), ref.delete(s));
        assert.equal(t.get(k.addr, k.proto, k.port), ref.get(s));
      }
      assert.equal(t.size, ref.size);
      assert.deepEqual(
        [...t.values()].sort((a, b) => a - b),
        [...ref.values()].sort((a, b) => a - b),
      );
    }),
  );
  // Neighbours in every field are distinct keys, at the top of each range too.
  fc.assert(
    fc.property(key, fc.constantFrom("addr", "proto", "port"), (k, f) => {
      const max = { addr: 0xffffffff, proto: 255, port: 65535 }[f];
      const other = { ...k, [f]: k[f] === max ? k[f] - 1 : k[f] + 1 };
      const t = new ElementTable();
      t.set(k.addr, k.proto, k.port, 1);
      t.set(other.addr, other.proto, other.port, 2);
      assert.equal(t.size, 2);
      assert.equal(t.get(k.addr, k.proto, k.port), 1);
    }),
  );
  assert.throws(() => new ElementTable().set(1, 256, 0, 1), /protocol 256/);
  assert.throws(() => new ElementTable().set(1, 6, 65536, 1), /port 65536/);
});

const open: NftRuleset[] = [];
after(() => open.forEach((r) => r.dispose()));

test("two ports of one address anywhere in IPv4 (LoadBalancer IPs in 198.18.0.0/15 among them) are two service-ips elements", () => {
  const r = new NftRuleset();
  open.push(r);
  r.apply([
    `add table ${TABLE}`,
    `add map ${TABLE} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }`,
  ]);
  const addr = fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0xc6120000, max: 0xc613ffff }));
  const proto = fc.constantFrom(["tcp", 6], ["udp", 17], ["sctp", 132]);
  fc.assert(
    fc.property(addr, proto, fc.nat({ max: 65534 }), (a, [name, num], port) => {
      const el = (p: number, v: string) => `${TABLE} service-ips { ${formatIPv4(a)} . ${name} . ${p} : ${v} }`;
      r.apply([`add element ${el(port, "accept")}`, `add element ${el(port + 1, "drop")}`]);
      const m = r.maps.get("service-ips")!;
      assert.equal(m.shadow.size, 2);
      assert.equal(r.verdicts[m.shadow.get(a, num as number, port)!].kind, "accept");
      assert.equal(r.verdicts[m.shadow.get(a, num as number, port + 1)!].kind, "drop");
      r.apply([`delete element ${TABLE} service-ips { ${formatIPv4(a)} . ${name} . ${port} }`]);
      assert.equal(m.shadow.get(a, num as number, port + 1) !== undefined, true, "deleting one port leaves the other");
      r.apply([`delete element ${TABLE} service-ips { ${formatIPv4(a)} . ${name} . ${port + 1} }`]);
      assert.equal(m.shadow.size, 0);
    }),
    { numRuns: 200 },
  );
});
