// Ingress: host and path matching (Exact before Prefix at equal length, the longest path wins,
// element-wise prefixes, one-label wildcards), then the backend Service through a proxier.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { bestPath, hostMatches, pathMatches, prefixMatches } from "../src/cluster/ingress";
import { IngressController } from "../src/proxy/ingress-controller";
import { PROXY_MODES } from "../src/proxy/types";
import { Fixture, POD_IP, service } from "./proxy-fixture";

test("Prefix matches element by element; Exact matches the path itself", () => {
  assert.ok(prefixMatches("/foo/bar", "/foo/bar/baz"));
  assert.ok(prefixMatches("/foo/bar", "/foo/bar"));
  assert.ok(prefixMatches("/foo/bar/", "/foo/bar"));
  assert.ok(prefixMatches("/foo/bar", "/foo/bar/"));
  assert.ok(!prefixMatches("/foo/bar", "/foo/barbaz"));
  assert.ok(!prefixMatches("/aaa/bb", "/aaa/bbb"));
  assert.ok(prefixMatches("/", "/anything/at/all"));
  assert.ok(pathMatches({ path: "/foo", pathType: "Exact" }, "/foo"));
  assert.ok(!pathMatches({ path: "/foo", pathType: "Exact" }, "/foo/"));
  assert.ok(!pathMatches({ path: "/foo", pathType: "Exact" }, "/FOO"));
});

test("the longest matching path wins, Exact before Prefix at equal length", () => {
  const paths = [
    { path: "/", pathType: "Prefix" as const, id: "root" },
    { path: "/foo", pathType: "Prefix" as const, id: "foo-prefix" },
    { path: "/foo", pathType: "Exact" as const, id: "foo-exact" },
    { path: "/foo/bar/", pathType: "Prefix" as const, id: "foobar" },
  ];
  assert.equal(bestPath(paths, "/foo")?.id, "foo-exact");
  assert.equal(bestPath(paths, "/foo/")?.id, "foo-prefix");
  assert.equal(bestPath(paths, "/foo/bar")?.id, "foobar");
  assert.equal(bestPath(paths, "/foo/barbaz")?.id, "foo-prefix");
  assert.equal(bestPath(paths, "/other")?.id, "root");
  assert.equal(bestPath(paths.slice(1), "/other"), undefined);
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("a", "b", "ab"), { maxLength: 4 }),
      fc.array(fc.constantFrom("a", "b", "ab"), { maxLength: 4 }),
      (r, q) => {
        const rule = "/" + r.join("/"),
          req = "/" + q.join("/");
        assert.equal(
          prefixMatches(rule, req),
          r.every((e, i) => q[i] === e),
        );
      },
    ),
  );
});

test("a wildcard host covers exactly one more label", () => {
  assert.ok(hostMatches("*.foo.com", "bar.foo.com"));
  assert.ok(!hostMatches("*.foo.com", "baz.bar.foo.com"));
  assert.ok(!hostMatches("*.foo.com", "foo.com"));
  assert.ok(hostMatches("foo.com", "foo.com"));
  assert.ok(!hostMatches("foo.com", "bar.foo.com"));
});

const f = new Fixture();
after(() => f.dispose());

test("one address for many Services: exact host, then wildcard, then host-less rules, then the default backend; every mode delivers", () => {
  f.store.createService(service(0));
  f.store.createService(service(1, { ports: [{ name: "web", protocol: "TCP", port: 8000, targetPort: 9000 }] }));
  f.store.createService(service(2));
  f.store.createService(service(3));
  for (let i = 0; i < 4; i++)
    f.store.createPod({ namespace: "ns", name: `p${i}`, labels: { app: `a${i}` }, ip: POD_IP(i), ready: true });
  f.store.putIngress({
    namespace: "ns",
    name: "main",
    defaultBackend: { service: "svc3", port: 80 },
    rules: [
      {
        host: "shop.example.com",
        paths: [
          { path: "/", pathType: "Prefix", backend: { service: "svc0", port: 80 } },
          { path: "/api", pathType: "Prefix", backend: { service: "svc1", port: "web" } },
        ],
      },
      { host: "*.example.com", paths: [{ path: "/", pathType: "Prefix", backend: { service: "svc2", port: 80 } }] },
      { paths: [{ path: "/status", pathType: "Exact", backend: { service: "svc1", port: 8000 } }] },
    ],
  });
  f.store.putIngress({
    namespace: "ns",
    name: "missing",
    rules: [{ host: "gone.io", paths: [{ path: "/", pathType: "Prefix", backend: { service: "nope", port: 80 } }] }],
  });
  f.sync();
  for (const mode of PROXY_MODES) {
    const ic = new IngressController(f.store, f.node(mode).proxier, POD_IP(100));
    const go = (host: string, path: string) => {
      const a = ic.request({ host, path }, f.now);
      return a.status === 200 && a.route.verdict === "dnat" ? `${a.service} ${a.route.endpoint}` : String(a.status);
    };
    assert.equal(go("shop.example.com", "/cart"), "ns/svc0 10.129.0.2:8080", mode);
    assert.equal(go("shop.example.com", "/api/v1"), "ns/svc1 10.129.0.3:9000", mode);
    assert.equal(go("shop.example.com", "/apiv1"), "ns/svc0 10.129.0.2:8080", mode);
    assert.equal(go("blog.example.com", "/x"), "ns/svc2 10.129.0.4:8080", mode);
    assert.equal(go("a.blog.example.com", "/status"), "ns/svc1 10.129.0.3:9000", mode);
    assert.equal(go("other.org", "/status/"), "ns/svc3 10.129.0.5:8080", mode);
    assert.equal(go("gone.io", "/"), "503", mode);
  }
  f.store.deletePod("ns", "p0");
  f.sync();
  for (const mode of PROXY_MODES) {
    const a = new IngressController(f.store, f.node(mode).proxier, POD_IP(100)).request(
      { host: "shop.example.com", path: "/" },
      f.now,
    );
    assert.equal(a.status, 502, `${mode}: the backend has no ready pod`);
  }
});
