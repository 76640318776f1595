// kube-proxy's loop fitted from sync cases: known per-unit costs recovered, never negative, each size
// predicted from the others; a profile with or without the loop part; npm run calibrate's loop table.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { SvcbenchError } from "../src/core";
import { parseProfile, readProfile } from "../src/calibrate/load";
import { fitLoop } from "../src/calibrate/loop-fit";
import { nnls } from "../src/calibrate/nnls";
import { buildProfile } from "../src/calibrate/profile";
import { LoopMode } from "../src/calibrate/schema";
import { SyncCost, SyncCounts } from "../src/predict/sync-cost";
import { SyncChangeCase } from "../src/report/cases";
import { ProxyMode } from "../src/modes";
import { kernelResults } from "./calibrate-fixture";
import { nodeArgs } from "../src/util/root";

/** The true per-unit costs (ns) the synthetic sync times follow, per loop mode. */
const TRUE_COST: Record<LoopMode, [number, number, number]> = {
  iptables: [1500, 300, 20],
  nftables: [3000, 0, 25],
  ipvs: [6000, 200, 0],
  ebpf: [2000, 50, 30],
};
const IMPLS: Record<LoopMode, ProxyMode[]> = {
  iptables: ["iptables-partial", "iptables-full"],
  nftables: ["nftables"],
  ipvs: ["ipvs"],
  ebpf: ["ebpf"],
};
const SIZES = [100, 1000, 10000, 100000];

function syncCase(impl: ProxyMode, n: number, endpoints: number, burst: boolean, ns: number[]): SyncChangeCase {
  const ports = n + (burst ? 0 : 1),
    eps = n * endpoints + (burst ? 100 : 2),
    bytes = (burst ? 100 : 1) * 150 * endpoints + (impl === "iptables-full" ? 90 * n * endpoints : 0);
  return {
    suite: "sync",
    impl,
    n,
    scenario: burst ? "burst-100" : "create-service",
    endpoints,
    median_ns: 1,
    p99_ns: 1,
    rme: 1,
    samples: 3,
    sync_ns: ns[0] * ports + ns[1] * eps + ns[2] * bytes,
    svc_ports_visited: ports,
    endpoints_categorized: eps,
    bytes_written: bytes,
    rules_written: 1,
    changes: 1,
    endpoint_changes: 1,
    synced_services: 1,
    full_sync: impl === "iptables-full",
    initial_sync_ms: 1,
    initial_rules: n,
    initial_bytes: 100 * n,
  };
}

const syncCases = (sizes = SIZES) =>
  (Object.keys(IMPLS) as LoopMode[]).flatMap((m) =>
    IMPLS[m].flatMap((impl) =>
      sizes.flatMap((n) => [2, 10].flatMap((e) => [false, true].map((b) => syncCase(impl, n, e, b, TRUE_COST[m])))),
    ),
  );

const SOURCE = { file: "sync.json", date: "2026-01-01T00:00:00.000Z", commit: "abc" };

test("the fit recovers known per-unit costs per mode, and predicts each held-out size from the others", () => {
  const loop = fitLoop(syncCases(), SOURCE)!;
  assert.deepEqual(
    loop.fits.map((f) => f.mode),
    ["iptables", "nftables", "ipvs", "ebpf"],
  );
  for (const f of loop.fits) {
    const [port, ep, byte] = TRUE_COST[f.mode];
    for (const [got, want] of [
      [f.per_port_ns, port],
      [f.per_endpoint_ns, ep],
      [f.per_byte_ns, byte],
    ])
      assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), `${f.mode}: ${got} for ${want}`);
    assert.ok(f.fit_error.rms_pct < 1e-6, `${f.mode} fit rms ${f.fit_error.rms_pct}%`);
    assert.deepEqual(
      f.held_out.map((h) => h.n),
      SIZES,
    );
    for (const h of f.held_out) assert.ok(Math.abs(h.max_pct) < 1e-6, `${f.mode} held out ${h.n}: ${h.max_pct}%`);
  }
});

test("no cost is negative: a term that would fit better below zero is held at zero", () => {
  // t = 2·a − 1·b + noise-free: unconstrained least squares gives b a negative cost.
  const rows = [
    [1, 1],
    [2, 1],
    [3, 2],
    [5, 1],
  ];
  const x = nnls(
    rows,
    rows.map(([a, b]) => 2 * a - b),
  );
  assert.equal(x[1], 0);
  assert.ok(x[0] > 0);
  // With b held at zero, the best a is Σ a·t / Σ a².
  const t = rows.map(([a, b]) => 2 * a - b);
  const best = rows.reduce((s, r, i) => s + r[0] * t[i], 0) / rows.reduce((s, r) => s + r[0] ** 2, 0);
  assert.ok(Math.abs(x[0] - best) < 1e-9);
});

const counts: SyncCounts = {
  full: false,
  portsVisited: 1000,
  endpointsCategorized: 10000,
  linesWritten: 500,
  bytesWritten: 40000,
  netlinkWrites: 0,
};

test("predict costs the loop from the profile's fit, and says 'loop cost: assumed' for a profile without one", () => {
  const base = buildProfile(kernelResults(), "test");
  const without = new SyncCost(base, "old.json");
  assert.ok(Object.values(without.loopSource).every((s) => s === "assumed"));
  assert.match(without.loopNote(), /^loop cost: assumed for iptables-legacy, iptables-nft, nftables, ipvs, ebpf/);
  const withLoop = new SyncCost({ ...base, loop: fitLoop(syncCases(), SOURCE) }, "new.json");
  assert.ok(Object.values(withLoop.loopSource).every((s) => s === "fitted"));
  assert.match(withLoop.loopNote(), /fitted from the sync suite \(sync\.json, 2026-01-01\).*not measured/);
  const [port, ep, byte] = TRUE_COST.nftables;
  const want = port * 1000 + ep * 10000 + byte * 40000;
  assert.ok(Math.abs(withLoop.loopNs("nftables", counts) - want) < 1e-3 * want);
  // Both iptables backends run the same loop.
  assert.equal(withLoop.loopNs("iptables-legacy", counts), withLoop.loopNs("iptables-nft", counts));
  // A loop part with a negative cost is refused in one line.
  const bad = JSON.stringify({ ...base, loop: { ...SOURCE, fits: [{ mode: "nftables", per_port_ns: -1 }] } });
  assert.throws(
    () => parseProfile(bad, "bad.json"),
    (e: Error) =>
      e instanceof SvcbenchError && /bad\.json: loop\.fits\[0\]\.per_port_ns is not a number ≥ 0$/.test(e.message),
  );
});

test("npm run calibrate fits the loop from the sync.json beside the kernel.json, with its held-out sizes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-loop-"));
  const run = (args: string[]) =>
    spawnSync(process.execPath, [...nodeArgs("src/calibrate/cli"), ...args], { encoding: "utf8" });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelResults()));
  const none = run(["--from", path.join(dir, "kernel.json")]);
  assert.equal(none.status, 0, none.stderr);
  assert.match(none.stdout, /kube-proxy's loop: no .*sync\.json, not fitted/);
  assert.equal(readProfile(path.join(dir, "calibration.json")).loop, undefined);
  fs.writeFileSync(path.join(dir, "sync.json"), JSON.stringify({ env: kernelResults().env, cases: syncCases() }));
  const ok = run(["--from", path.join(dir, "kernel.json")]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /nftables +16 +3000 +0\.00 +25\.0 +0% +100: 0%, \+0%; 1000: 0%/);
  assert.equal(readProfile(path.join(dir, "calibration.json")).loop?.fits.length, 4);
  const missing = run(["--from", path.join(dir, "kernel.json"), "--sync", path.join(dir, "nope.json")]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  assert.match(missing.stderr, /^svcbench: sync results .*nope\.json/);
  fs.rmSync(dir, { recursive: true });
});
