// Services, Pods and Ingresses as the API server takes them: bad input is one clear error naming
// the field, and ClusterIPs, NodePorts, LoadBalancer IPs and pod IPs stay unique.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCidr, parseIPv4, tryParseCidr, tryParseIPv4 } from "../src/cluster/ip";
import { ClusterStore } from "../src/cluster/store";
import { NODE_PORT_RANGE } from "../src/cluster/service";
import { SvcbenchError } from "../src/core";
import { LB_IP, POD_IP, service, SERVICE_IP } from "./proxy-fixture";

const fails = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof SvcbenchError && re.test(e.message));

test("invalid Services are refused with the field named", () => {
  const s = new ClusterStore();
  fails(() => s.createService(service(0, { name: "Bad_Name" })), /Service ns\/Bad_Name: name must be lowercase/);
  fails(() => s.createService(service(0, { ports: [] })), /ports must list at least one port/);
  fails(
    () => s.createService(service(0, { ports: [{ name: "a", protocol: "ICMP" as never, port: 1, targetPort: 1 }] })),
    /ports\[0\]\.protocol must be TCP, UDP or SCTP/,
  );
  fails(
    () => s.createService(service(0, { ports: [{ name: "a", protocol: "TCP", port: 70000, targetPort: 1 }] })),
    /ports\[0\]\.port must be a port number 1\.\.65535/,
  );
  fails(
    () =>
      s.createService(
        service(0, { ports: [{ name: "a", protocol: "TCP", port: 80, targetPort: 80, nodePort: 30001 }] }),
      ),
    /a ClusterIP Service has no node ports/,
  );
  fails(
    () =>
      s.createService(
        service(0, {
          type: "NodePort",
          ports: [{ name: "a", protocol: "TCP", port: 80, targetPort: 80, nodePort: 80 }],
        }),
      ),
    /nodePort must be within 30000-32767/,
  );
  fails(
    () =>
      s.createService(
        service(0, {
          ports: [
            { name: "a", protocol: "TCP", port: 80, targetPort: 80 },
            { name: "a", protocol: "UDP", port: 80, targetPort: 80 },
          ],
        }),
      ),
    /name "a" is used twice/,
  );
  fails(
    () => s.createService(service(0, { loadBalancerIP: LB_IP(0) })),
    /only a LoadBalancer Service has a load-balancer IP/,
  );
  fails(
    () => s.createService(service(0, { stickySeconds: 0, sessionAffinity: "ClientIP" })),
    /session affinity timeout must be 1\.\.86400/,
  );
  fails(() => s.createService(service(0, { clusterIP: -1 })), /clusterIP must be an IPv4 address/);
  fails(() => s.createService(service(0, { externalIPs: [2 ** 32] })), /externalIPs\[0\] must be an IPv4 address/);
  fails(
    () => s.createService(service(0, { loadBalancerIngress: [LB_IP(1)] })),
    /only a LoadBalancer Service has load-balancer ingress IPs/,
  );
  fails(
    () => s.createService(service(0, { type: "LoadBalancer", loadBalancerSourceRanges: [{ base: 0, bits: 33 }] })),
    /loadBalancerSourceRanges\[0\] must be a CIDR/,
  );
  fails(
    () => s.createService(service(0, { internalTrafficPolicy: "Node" as never })),
    /internalTrafficPolicy must be Cluster or Local/,
  );
  fails(
    () => s.createService(service(0, { externalTrafficPolicy: "Local" })),
    /externalTrafficPolicy applies only to a Service with external traffic/,
  );
  fails(
    () => s.createService(service(0, { type: "LoadBalancer", healthCheckNodePort: 30000 })),
    /healthCheckNodePort needs externalTrafficPolicy Local/,
  );
  assert.equal(s.services.size, 0);
});

test("ClusterIPs, NodePorts and LoadBalancer IPs are unique; NodePorts are allocated and kept", () => {
  const s = new ClusterStore();
  const a = s.createService(service(0, { type: "LoadBalancer", loadBalancerIP: LB_IP(0) }));
  const np = a.ports[0].nodePort!;
  assert.ok(np >= NODE_PORT_RANGE.min && np <= NODE_PORT_RANGE.max);
  fails(
    () => s.createService(service(1, { clusterIP: SERVICE_IP(0) })),
    /clusterIP 10\.96\.0\.10 is taken by ns\/svc0/,
  );
  fails(
    () => s.createService(service(1, { type: "LoadBalancer", loadBalancerIP: LB_IP(0) })),
    /load-balancer IP 198\.18\.0\.1 is taken by ns\/svc0/,
  );
  fails(
    () =>
      s.createService(
        service(1, {
          type: "NodePort",
          ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 80, nodePort: np }],
        }),
      ),
    new RegExp(`nodePort TCP/${np} is taken`),
  );
  const b = s.updateService({ ...service(0, { type: "NodePort" }) });
  assert.equal(b.ports[0].nodePort, np, "an update without nodePort keeps the allocated one");
  fails(() => s.updateService(service(0, { clusterIP: SERVICE_IP(5) })), /clusterIP is immutable/);
  s.deleteService("ns", "svc0");
  s.createService(
    service(1, {
      type: "NodePort",
      ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 80, nodePort: np }],
    }),
  );
});

test("the NodePort range runs out with a clear error", () => {
  const s = new ClusterStore();
  const size = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1;
  for (let i = 0; i < size; i++)
    s.createService(service(i, { type: "NodePort", clusterIP: (0x0a600000 + 100 + i) >>> 0 }));
  fails(
    () => s.createService(service(size, { type: "NodePort", clusterIP: 0x0a6f0000 })),
    /NodePort range 30000-32767 is exhausted for TCP/,
  );
});

test("pods: IPs unique and set once; a pod without IP cannot be ready; Ingress fields are checked", () => {
  const s = new ClusterStore();
  s.createPod({ namespace: "ns", name: "a", labels: { app: "x" }, ip: POD_IP(1), ready: true });
  fails(
    () => s.createPod({ namespace: "ns", name: "b", labels: {}, ip: POD_IP(1), ready: true }),
    /podIP 10\.129\.0\.3 is taken by ns\/a/,
  );
  fails(
    () => s.createPod({ namespace: "ns", name: "b", labels: {}, ready: true }),
    /a pod without an IP cannot be ready/,
  );
  fails(() => s.updatePod({ namespace: "ns", name: "a", labels: {}, ip: POD_IP(2), ready: true }), /podIP is set once/);
  fails(() => s.createPod({ namespace: "ns", name: "b", labels: { "bad key!": "x" }, ready: false }), /bad label key/);
  fails(() => s.deletePod("ns", "zzz"), /Pod ns\/zzz does not exist/);
  fails(
    () =>
      s.putIngress({
        namespace: "ns",
        name: "i",
        rules: [{ host: "a.com", paths: [{ path: "foo", pathType: "Prefix", backend: { service: "s", port: 80 } }] }],
      }),
    /path must start with "\/"/,
  );
  fails(
    () =>
      s.putIngress({
        namespace: "ns",
        name: "i",
        rules: [
          {
            host: "a.com",
            paths: [{ path: "/", pathType: "ImplementationSpecific" as never, backend: { service: "s", port: 80 } }],
          },
        ],
      }),
    /pathType must be Exact or Prefix/,
  );
  fails(
    () =>
      s.putIngress({
        namespace: "ns",
        name: "i",
        rules: [{ host: "A..com", paths: [{ path: "/", pathType: "Exact", backend: { service: "s", port: 80 } }] }],
      }),
    /host must be a DNS name/,
  );
  fails(() => s.putIngress({ namespace: "ns", name: "i", rules: [] }), /needs rules or a default backend/);
});

test("IPv4 addresses and CIDRs: one parser for flags and rule texts; anything else is refused", () => {
  assert.equal(parseIPv4("255.255.255.255"), 0xffffffff);
  assert.deepEqual(parseCidr("10.0.0.0/8"), { base: 0x0a000000, bits: 8 });
  assert.deepEqual(parseCidr("192.168.0.2"), { base: 0xc0a80002, bits: 32 });
  for (const bad of [
    "1.2.3",
    "256.1.1.1",
    "1.2.3.4.5",
    "a.b.c.d",
    "1.2.3.4/",
    "1.2.3.4/33",
    "1.2.3.4/8/9",
    "1.2.3.4/032",
    " 1.2.3.4",
  ]) {
    assert.equal(tryParseCidr(bad), undefined, bad);
    fails(() => parseCidr(bad), /not an IPv4 CIDR/);
  }
  assert.equal(tryParseIPv4("1.2.3.4/8"), -1);
  fails(() => parseIPv4("1.2.3.04x"), /not an IPv4 address/);
});
