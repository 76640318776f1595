// Chain names from hashes, checked against names in kube-proxy's own test expectations
// (kubernetes pkg/proxy/iptables/proxier_test.go and pkg/proxy/nftables/proxier_test.go).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  endpointChainName,
  hashAndTruncate,
  hashBase32,
  nftEndpointChainBase,
  nftServiceChainBase,
  serviceChainName,
} from "../src/proxy/chain-names";

test("portProtoHash and the KUBE-SEP hash give kube-proxy's chain names", () => {
  assert.equal(serviceChainName("KUBE-SVC-", "ns1/svc1:p80", "tcp"), "KUBE-SVC-XPGD46QRK7WJZT7O");
  assert.equal(serviceChainName("KUBE-SVC-", "ns2/svc2:p80", "tcp"), "KUBE-SVC-GNZBNJ2PO5MGZ6GT");
  assert.equal(serviceChainName("KUBE-SVC-", "ns3/svc3:p80", "tcp"), "KUBE-SVC-X27LE4BHSL4DOUIK");
  assert.equal(serviceChainName("KUBE-EXT-", "ns4/svc4:p80", "tcp"), "KUBE-EXT-4SW47YFZTEDKD3PK");
  assert.equal(serviceChainName("KUBE-FW-", "ns5/svc5:p80", "tcp"), "KUBE-FW-NUKIZ6OKUXPJNT4C");
  assert.equal(endpointChainName("ns1/svc1:p80", "tcp", "10.180.0.1:80"), "KUBE-SEP-SXIVWICOYRO3J4NJ");
  assert.equal(endpointChainName("ns2/svc2:p80", "tcp", "10.180.0.2:80"), "KUBE-SEP-RS4RBKLTHTF2IUXJ");
  assert.equal(endpointChainName("ns4/svc4:p80", "tcp", "10.180.0.4:80"), "KUBE-SEP-UKSFD7AGPMPPLUHC");
});

test("hashAndTruncate gives kube-proxy's nftables chain names", () => {
  assert.equal(nftServiceChainBase("ns1", "svc1", "tcp", "p80"), "ULMVA6XW-ns1/svc1/tcp/p80");
  assert.equal(nftServiceChainBase("ns2", "svc2", "tcp", "p80"), "42NFTM6N-ns2/svc2/tcp/p80");
  assert.equal(nftServiceChainBase("ns5", "svc5", "tcp", "p80"), "HVFWP5L3-ns5/svc5/tcp/p80");
  assert.equal(
    nftEndpointChainBase("ns1", "svc1", "tcp", "p80", "10.180.0.1", 80),
    "5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80",
  );
  assert.equal(
    nftEndpointChainBase("ns4", "svc4", "tcp", "p80", "10.180.0.5", 80),
    "5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80",
  );
});

test("iptables chain names fit in 28 characters and use the base32 alphabet; nft names stay within 240", () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 80 }),
      fc.constantFrom("tcp", "udp", "sctp"),
      fc.string({ maxLength: 30 }),
      (name, proto, ep) => {
        const svc = serviceChainName("KUBE-SVC-", name, proto),
          sep = endpointChainName(name, proto, ep);
        assert.match(svc, /^KUBE-SVC-[A-Z2-7]{16}$/);
        assert.match(sep, /^KUBE-SEP-[A-Z2-7]{16}$/);
        assert.ok(svc.length <= 28 && sep.length <= 28);
        assert.equal(svc.slice(9), hashBase32(name + proto, 16));
      },
    ),
    { numRuns: 200 },
  );
  const long = "x".repeat(63);
  assert.ok(
    nftEndpointChainBase(long, long, "sctp", long, "255.255.255.255", 65535).length <= 240,
    "IPv4 names are never cut",
  );
  const cut = hashAndTruncate("y".repeat(300));
  assert.equal(cut.length, 240);
  assert.ok(cut.endsWith("...") && cut.startsWith(hashBase32("y".repeat(300), 8) + "-"));
});
