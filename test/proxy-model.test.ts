// Model-based: random Service and Pod events; after each sync every mode routes each ClusterIP,
// external IP, LoadBalancer ingress IP (one or two) and NodePort only to ready pods of that Service (a Service whose selector was removed:
// to those its slices kept, kubernetes#118376), rejects when it has none, and all
// modes agree; the userspace proxier reaches a live pod whenever one exists; iptables partial sync
// leaves the same live rules as full sync.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Protocol, Service, ServiceType } from "../src/cluster/service";
import { IptablesProxier } from "../src/proxy/iptables/proxier";
import { IptablesTables } from "../src/proxy/iptables/tables";
import { describe, EXTERNAL_IP, Fixture, LB_IP, POD_IP, readyPodIPs, service, targets } from "./proxy-fixture";

const SERVICES = 5,
  PODS = 10,
  APPS = 3;

interface Model {
  services: Set<number>;
  pods: Set<number>;
  /** Services without a selector → the ready pod addresses their slices kept (kubernetes#118376). */
  frozen: Map<string, number[]>;
}

type Cmd = fc.Command<Model, Fixture>;

const app = (k: number) => `a${k}`;

class CreateService implements Cmd {
  constructor(
    readonly i: number,
    readonly type: ServiceType,
    readonly proto: Protocol,
    readonly twoPorts: boolean,
    readonly affinity: boolean,
    readonly sel: number,
    readonly externalIP = false,
    readonly secondIngress = false,
  ) {}
  check(m: Model) {
    return !m.services.has(this.i);
  }
  run(m: Model, f: Fixture) {
    const ports = [{ name: "p1", protocol: this.proto, port: 80 + this.i, targetPort: 8080 }];
    if (this.twoPorts) ports.push({ name: "p2", protocol: "TCP", port: 443, targetPort: 8443 });
    const s: Service = service(this.i, {
      type: this.type,
      ports,
      selector: { app: app(this.sel) },
      sessionAffinity: this.affinity ? "ClientIP" : "None",
      loadBalancerIP: this.type === "LoadBalancer" ? LB_IP(this.i) : undefined,
      loadBalancerIngress: this.type === "LoadBalancer" && this.secondIngress ? [LB_IP(50 + this.i)] : undefined,
      externalIPs: this.externalIP ? [EXTERNAL_IP(this.i)] : undefined,
    });
    f.store.createService(s);
    m.services.add(this.i);
  }
  toString() {
    return `CreateService(${this.i},${this.type},${this.proto},${this.twoPorts},${this.affinity},${app(this.sel)},${this.externalIP},${this.secondIngress})`;
  }
}

class DeleteService implements Cmd {
  constructor(readonly i: number) {}
  check(m: Model) {
    return m.services.has(this.i);
  }
  run(m: Model, f: Fixture) {
    f.store.deleteService("ns", `svc${this.i}`);
    m.services.delete(this.i);
    m.frozen.delete(`ns/svc${this.i}`);
  }
  toString() {
    return `DeleteService(${this.i})`;
  }
}

class Reselect implements Cmd {
  constructor(
    readonly i: number,
    readonly sel: number,
  ) {}
  check(m: Model) {
    return m.services.has(this.i);
  }
  run(m: Model, f: Fixture) {
    const s = f.store.services.get(`ns/svc${this.i}`)!;
    f.store.updateService({ ...s, selector: { app: app(this.sel) } });
    m.frozen.delete(`ns/svc${this.i}`);
  }
  toString() {
    return `Reselect(${this.i},${app(this.sel)})`;
  }
}

/** The selector is removed: the controller leaves the Service's slices as they are. */
class Deselect implements Cmd {
  constructor(readonly i: number) {}
  check(m: Model) {
    return m.services.has(this.i);
  }
  run(m: Model, f: Fixture) {
    const s = f.store.services.get(`ns/svc${this.i}`)!;
    if (!m.frozen.has(`ns/svc${this.i}`)) m.frozen.set(`ns/svc${this.i}`, readyPodIPs(f.store, s));
    f.store.updateService({ ...s, selector: undefined });
  }
  toString() {
    return `Deselect(${this.i})`;
  }
}

class CreatePod implements Cmd {
  constructor(
    readonly j: number,
    readonly sel: number,
    readonly ready: boolean,
  ) {}
  check(m: Model) {
    return !m.pods.has(this.j);
  }
  run(m: Model, f: Fixture) {
    f.store.createPod({
      namespace: "ns",
      name: `pod${this.j}`,
      labels: { app: app(this.sel) },
      ip: POD_IP(this.j),
      ready: this.ready,
    });
    m.pods.add(this.j);
  }
  toString() {
    return `CreatePod(${this.j},${app(this.sel)},${this.ready})`;
  }
}

class DeletePod implements Cmd {
  constructor(readonly j: number) {}
  check(m: Model) {
    return m.pods.has(this.j);
  }
  run(m: Model, f: Fixture) {
    f.store.deletePod("ns", `pod${this.j}`);
    m.pods.delete(this.j);
  }
  toString() {
    return `DeletePod(${this.j})`;
  }
}

class FlipReady implements Cmd {
  constructor(readonly j: number) {}
  check(m: Model) {
    return m.pods.has(this.j);
  }
  run(_: Model, f: Fixture) {
    const p = f.store.pods.get(`ns/pod${this.j}`)!;
    f.store.updatePod({ ...p, ready: !p.ready });
  }
  toString() {
    return `FlipReady(${this.j})`;
  }
}

class Relabel implements Cmd {
  constructor(
    readonly j: number,
    readonly sel: number,
  ) {}
  check(m: Model) {
    return m.pods.has(this.j);
  }
  run(_: Model, f: Fixture) {
    const p = f.store.pods.get(`ns/pod${this.j}`)!;
    f.store.updatePod({ ...p, labels: { app: app(this.sel) } });
  }
  toString() {
    return `Relabel(${this.j},${app(this.sel)})`;
  }
}

/** The checks of this file, after every sync. */
class SyncAndCheck implements Cmd {
  constructor(readonly client: number) {}
  check() {
    return true;
  }
  run(m: Model, f: Fixture) {
    f.sync();
    for (const t of targets(f.store, (0x0a800000 + 1 + this.client) >>> 0, m.frozen)) {
      const answers: string[] = [];
      for (const n of f.nodes) {
        const picked = new Set<string>();
        for (let k = 0; k < 3; k++) {
          // New connections of one client (other source ports): with ClientIP affinity they keep one pod.
          const r = n.proxier.route({ ...t.packet, sport: t.packet.sport + k }, f.now);
          const where = `${n.mode}: ${t.what} of ${t.service}`;
          if (t.stale && n.mode === "userspace") {
            // Its stale endpoints may be gone: the dials fail over, or all fail.
            assert.ok(
              r.verdict === "reject" || (r.verdict === "dnat" && t.endpoints.has(r.endpoint)),
              `${where}: ${JSON.stringify(r)}`,
            );
            continue;
          }
          if (t.endpoints.size === 0) {
            assert.equal(r.verdict, "reject", `${where} has no ready pod and must reject, got ${JSON.stringify(r)}`);
          } else {
            assert.equal(r.verdict, "dnat", `${where} has ready pods ${[...t.endpoints]} but got ${JSON.stringify(r)}`);
            if (r.verdict !== "dnat") continue;
            assert.ok(
              t.endpoints.has(r.endpoint),
              `${where} went to ${r.endpoint}, not a ready pod of it (${[...t.endpoints]})`,
            );
            assert.equal(r.service, t.service, where);
            if (n.mode === "userspace") assert.equal(r.attempts, 1, `${where}: a live pod answers the first dial`);
            picked.add(r.endpoint);
          }
          answers.push(`${n.mode}=${describe(r)}`);
        }
        if (t.affinity)
          assert.ok(
            picked.size <= 1,
            `${n.mode}: ${t.what} of ${t.service} has ClientIP affinity, yet one client went to ${[...picked]}`,
          );
      }
      assert.equal(
        new Set(answers.map((a) => a.split("=")[1])).size,
        1,
        `modes disagree on ${t.what} of ${t.service}: ${answers}`,
      );
    }
    // Not a Service: no mode rewrites it.
    for (const n of f.nodes) {
      const r = n.proxier.route({ saddr: 0x0a800001, sport: 40000, daddr: POD_IP(0), dport: 8080, proto: 6 }, f.now);
      assert.notEqual(r.verdict, "dnat", `${n.mode} rewrote a packet to a pod`);
    }
    const full = f.node("iptables-full").proxier as IptablesProxier,
      partial = f.node("iptables-partial").proxier as IptablesProxier;
    assert.deepEqual(
      liveRules(partial.tables),
      liveRules(full.tables),
      "partial sync left other live rules than full sync",
    );
  }
  toString() {
    return `SyncAndCheck(client ${this.client})`;
  }
}

/** Rules of every chain reachable from the chains kube-proxy's hooks jump to, chain by chain. */
function liveRules(t: IptablesTables): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const table of ["nat", "filter"] as const) {
    const todo = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-EXTERNAL-SERVICES", "KUBE-POSTROUTING"];
    while (todo.length > 0) {
      const name = todo.pop()!;
      const key = `${table}/${name}`;
      if (key in out) continue;
      const rules = t.rulesOf(table, name) ?? [];
      out[key] = rules.map((r) => JSON.stringify({ ...r, jump: r.jump?.name }));
      for (const r of rules) if (r.jump) todo.push(r.jump.name);
    }
  }
  return out;
}

const createService = fc
  .tuple(
    fc.nat(SERVICES - 1),
    fc.constantFrom<ServiceType>("ClusterIP", "NodePort", "LoadBalancer"),
    fc.constantFrom<Protocol>("TCP", "UDP", "SCTP"),
    fc.boolean(),
    fc.boolean(),
    fc.nat(APPS - 1),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([i, t, p, two, aff, sel, ext, lb2]) => new CreateService(i, t, p, two, aff, sel, ext, lb2));
const createPod = fc.tuple(fc.nat(PODS - 1), fc.nat(APPS - 1), fc.boolean()).map(([j, s, r]) => new CreatePod(j, s, r));

const commands = [
  createService,
  createService,
  createPod,
  createPod,
  createPod,
  fc.nat(SERVICES - 1).map((i) => new DeleteService(i)),
  fc.tuple(fc.nat(SERVICES - 1), fc.nat(APPS - 1)).map(([i, s]) => new Reselect(i, s)),
  fc.nat(SERVICES - 1).map((i) => new Deselect(i)),
  fc.nat(PODS - 1).map((j) => new DeletePod(j)),
  fc.nat(PODS - 1).map((j) => new FlipReady(j)),
  fc.tuple(fc.nat(PODS - 1), fc.nat(APPS - 1)).map(([j, s]) => new Relabel(j, s)),
  fc.nat(200).map((c) => new SyncAndCheck(c)),
];

test("every mode routes each service port only to its ready pods, rejects without them, and all modes agree", () => {
  fc.assert(
    fc.property(fc.commands(commands, { maxCommands: 60, size: "max" }), (cmds) => {
      const f = new Fixture();
      try {
        fc.modelRun(
          () => ({ model: { services: new Set<number>(), pods: new Set<number>(), frozen: new Map() }, real: f }),
          [...cmds, new SyncAndCheck(0)],
        );
      } finally {
        f.dispose();
      }
    }),
    { numRuns: 100 },
  );
});
