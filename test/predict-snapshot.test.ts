// The cluster snapshot and kube-proxy configuration: counts from hand-made fixtures, the generated
// snapshot's round trip, and one line for each refused input.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { InputError } from "../src/snapshot/input-error";
import { readSnapshot } from "../src/snapshot/load";
import { DEFAULT_PROXY_CONFIG, parseGoDuration, readProxyConfig } from "../src/snapshot/proxy-config";
import { parseEndpointsFlag, shapeSnapshot, toKubeList } from "../src/snapshot/shape";
import YAML from "yaml";
import { PACKAGE_ROOT } from "../src/util/root";

const FIX = path.join(PACKAGE_ROOT, "test", "fixtures", "predict");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-snap-"));
function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}
function refuses(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `not an InputError: ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, re);
    return true;
  });
}

test("the hand-made YAML List: what kube-proxy programs, ignores and what is not modelled", () => {
  const warnings: string[] = [];
  const s = readSnapshot(path.join(FIX, "small.yaml"), { warn: (l) => warnings.push(l) });
  assert.equal(s.counts.services, 2);
  assert.equal(s.counts.headless, 1);
  assert.equal(s.counts.externalName, 1);
  assert.equal(s.counts.ipv6Slices, 1);
  assert.equal(s.counts.orphanSlices, 1);
  assert.deepEqual(s.counts.unknownKinds, { ConfigMap: 1 });
  assert.equal(s.node, "node-a", "node-a hosts the most ready endpoints (web's and db's)");
  const web = s.services.find((x) => x.name === "web")!;
  assert.equal(web.endpoints, 2);
  assert.equal(web.local, 1);
  assert.equal(web.terminating, 1);
  assert.equal(web.externalTrafficPolicyLocal, true);
  // The renderers follow traffic policies and terminating endpoints: only IPv6 is left out by every mode.
  assert.deepEqual(s.notModelled, { "IPv6 EndpointSlices": 1 });
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /small\.yaml: EndpointSlice shop\/gone-123: metadata\.labels\["kubernetes\.io\/service-name"\]: no Service shop\/gone/,
  );
});

test("--node picks whose endpoints are local; an unknown node is refused", () => {
  const s = readSnapshot(path.join(FIX, "small.yaml"), { node: "node-b", warn: () => {} });
  assert.equal(s.services.find((x) => x.name === "web")!.local, 1);
  refuses(
    () => readSnapshot(path.join(FIX, "small.yaml"), { node: "node-z", warn: () => {} }),
    /--node: no endpoint of the List runs on node "node-z"/,
  );
});

test("generated snapshot round trip: shape → List (JSON and YAML) → the same counts", () => {
  const shape = shapeSnapshot(100, parseEndpointsFlag("1:50%,10:40%,150:10%"));
  const list = toKubeList(shape);
  for (const [name, text] of [
    ["gen.json", JSON.stringify(list)],
    ["gen.yaml", YAML.stringify(list)],
  ] as const) {
    const s = readSnapshot(write(name, text), { node: shape.node });
    assert.deepEqual(s.counts, shape.counts);
    assert.deepEqual(
      s.services.map((x) => [x.name, x.endpoints, x.local]),
      shape.services.map((x) => [x.name, x.endpoints, x.local]),
    );
  }
  const e = shape.services.map((x) => x.endpoints);
  assert.equal(e.filter((x) => x === 150).length, 10, "10% of 100 Services have 150 endpoints (two slices each)");
});

test("--endpoints: a count or a distribution whose shares sum to 100%", () => {
  assert.deepEqual(parseEndpointsFlag("10"), [{ endpoints: 10, share: 1 }]);
  assert.deepEqual(
    parseEndpointsFlag("1:0.5,3:0.5").map((d) => d.endpoints),
    [1, 3],
  );
  assert.throws(() => parseEndpointsFlag("1:50%,10:40%"), /shares sum to 100%/);
  assert.throws(() => parseEndpointsFlag("ten"), /--endpoints takes/);
});

test("bad snapshots: one line naming the file, the item and the field", () => {
  refuses(() => readSnapshot(write("bad.json", '{"kind": "List", "items": [')), /bad\.json: malformed JSON/);
  refuses(() => readSnapshot(write("bad.yaml", "kind: List\nitems:\n  - a: [1, 2\n")), /bad\.yaml: malformed YAML/);
  refuses(
    () =>
      readSnapshot(
        write("nosvc.json", JSON.stringify({ kind: "List", items: [{ kind: "ConfigMap", metadata: { name: "x" } }] })),
      ),
    /nosvc\.json: items: the List holds no Service \(0 EndpointSlice, 1 ConfigMap\)/,
  );
  const v6 = {
    kind: "List",
    items: [
      {
        kind: "Service",
        metadata: { name: "a", namespace: "n" },
        spec: { clusterIP: "fd00::1", ports: [{ port: 80 }] },
      },
    ],
  };
  refuses(
    () => readSnapshot(write("v6.json", JSON.stringify(v6))),
    /v6\.json: Service n\/a: spec\.clusterIP: "fd00::1" is not an IPv4 address/,
  );
  const badPort = {
    kind: "List",
    items: [
      {
        kind: "Service",
        metadata: { name: "a", namespace: "n" },
        spec: { clusterIP: "10.0.0.1", ports: [{ port: "http" }] },
      },
    ],
  };
  refuses(
    () => readSnapshot(write("port.json", JSON.stringify(badPort))),
    /port\.json: Service n\/a: spec\.ports\[0\]\.port: /,
  );
  refuses(() => readSnapshot(path.join(tmp, "missing.json")), /missing\.json: cannot be read \(ENOENT\)/);
});

test("KubeProxyConfiguration: fields and defaults; another apiVersion is refused", () => {
  const c = readProxyConfig(path.join(FIX, "kube-proxy.yaml"));
  assert.equal(c.mode, "nftables");
  assert.equal(c.nftables.minSyncPeriodMs, 2000);
  assert.equal(c.nftables.syncPeriodMs, 60000);
  assert.equal(c.iptables.minSyncPeriodMs, DEFAULT_PROXY_CONFIG.iptables.minSyncPeriodMs);
  assert.equal(c.ipvs.scheduler, "wrr");
  assert.equal(c.masqueradeAll, true);
  assert.deepEqual(c.clusterCIDR, { base: 0x0af40000, bits: 16 });
  const json = write(
    "kp.json",
    JSON.stringify({ apiVersion: "kubeproxy.config.k8s.io/v1alpha1", kind: "KubeProxyConfiguration", mode: "" }),
  );
  assert.equal(readProxyConfig(json).mode, "iptables");
  refuses(
    () => readProxyConfig(write("kp-old.yaml", "apiVersion: componentconfig/v1alpha1\nkind: KubeProxyConfiguration\n")),
    /kp-old\.yaml: KubeProxyConfiguration: apiVersion: must be kubeproxy\.config\.k8s\.io\/v1alpha1, got "componentconfig\/v1alpha1"/,
  );
  refuses(
    () =>
      readProxyConfig(
        write(
          "kp-dur.yaml",
          "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\niptables:\n  minSyncPeriod: soon\n",
        ),
      ),
    /kp-dur\.yaml: KubeProxyConfiguration: iptables\.minSyncPeriod: must be a Go duration/,
  );
  refuses(
    () =>
      readProxyConfig(
        write(
          "kp-np.yaml",
          "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nnodePortAddresses: [nodes]\n",
        ),
      ),
    /kp-np\.yaml: KubeProxyConfiguration: nodePortAddresses\[0\]: "nodes" is neither a CIDR nor "primary"/,
  );
  assert.equal(parseGoDuration("1m30s"), 90000);
  assert.equal(parseGoDuration("250ms"), 250);
  assert.equal(parseGoDuration("1x"), undefined);
});
