// The calibration profile: built from kernel.json, read back, refused in one line when malformed or of
// another schema; the checked-in reference profile; what a node pays from it; npm run calibrate.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { bytesHeld, predict } from "../src/calibrate/cost";
import { firstPacket } from "../src/calibrate/first-packet";
import { parseProfile, readProfile, REFERENCE_PROFILE } from "../src/calibrate/load";
import { MODES, nodeSync, syncShape } from "../src/calibrate/node-cost";
import { buildProfile } from "../src/calibrate/profile";
import { CALIBRATION_SCHEMA, KNOWN_BACKENDS, STEPS } from "../src/calibrate/schema";
import { SvcbenchError } from "../src/core";
import { nodeArgs } from "../src/util/root";
import { kernelResults, syncCases, TRUE } from "./calibrate-fixture";

const profile = () => buildProfile(kernelResults(), "test machine");

test("a profile has one function per backend and step measured, each held-out size within 1% on an exact curve", () => {
  const p = profile();
  assert.equal(p.schema, CALIBRATION_SCHEMA);
  assert.equal(p.machine.kernel, "6.1-test");
  assert.equal(p.functions.length, 2 * 5 + 4);
  for (const f of p.functions) {
    assert.equal(f.held_out.length, 3, `${f.backend} ${f.step}`);
    for (const h of f.held_out) assert.ok(Math.abs(h.error_pct) < 1, `${f.backend} ${f.step} ${h.n}: ${h.error_pct}%`);
  }
  assert.equal(p.functions.find((f) => f.step === "partial-resync")!.driver, "bytes_held");
  const probe = p.connect.find((c) => c.backend === "iptables-legacy-restore")!;
  assert.ok(Math.abs(probe.fixed_ns / TRUE.connect.a - 1) < 0.01);
  for (const r of probe.per_rule) assert.ok(Math.abs(r.ns / TRUE.connect.b - 1) < 0.02, `${r.n}: ${r.ns} ns per rule`);
  assert.deepEqual(p.connect.find((c) => c.backend === "nft-f")!.per_rule, [], "the verdict map walks no rules");
  assert.deepEqual(parseProfile(JSON.stringify(p), "p.json"), p);
});

test("a step over the time limit is a lower bound, and its untimed load a check: neither is fitted", () => {
  const r = kernelResults();
  const big = r.cases.find((c) => c.impl === "iptables-nft-restore" && c.scenario === "first-load" && c.n === 10000)!;
  Object.assign(big, { over_limit: true, median_ns: 30e9, untimed_load_ns: 90e9 });
  const f = buildProfile(r, "t").functions.find(
    (x) => x.backend === "iptables-nft-restore" && x.step === "first-load",
  )!;
  assert.deepEqual(
    f.points.map((q) => q.n),
    [100, 1000, 2000, 5000],
  );
  assert.deepEqual(
    f.lower_bounds.map((q) => q.t_ns),
    [30e9],
  );
  assert.deepEqual(
    f.checks.map((q) => q.t_ns),
    [90e9],
  );
});

test("a malformed profile or one of another schema is refused in one line naming the file", () => {
  const good = profile();
  const cases: [string, RegExp][] = [
    ["{not json", /^calibration profile x\.json: not JSON/],
    ["[]", /not a JSON object/],
    [
      JSON.stringify({ ...good, schema: "svcbench-calibration/0" }),
      /schema "svcbench-calibration\/0" is not "svcbench-calibration\/1"/,
    ],
    [JSON.stringify({ ...good, schema: undefined }), /no "schema" field/],
    [JSON.stringify({ ...good, functions: "none" }), /"functions" is not a list/],
    [JSON.stringify({ ...good, connect: undefined }), /"connect" is not a list/],
    [
      JSON.stringify({ ...good, functions: [{ ...good.functions[0], k: -1 }] }),
      /functions\[0\]\.k is not a number ≥ 0/,
    ],
    [
      JSON.stringify({ ...good, functions: [{ ...good.functions[0], step: "warp" }] }),
      /functions\[0\]\.step "warp" is not one of/,
    ],
    [JSON.stringify({ ...good, functions: [{ ...good.functions[0], form: "a·e^x" }] }), /form "a·e\^x"/],
  ];
  for (const [text, says] of cases) {
    assert.throws(
      () => parseProfile(text, "x.json"),
      (e: Error) => e instanceof SvcbenchError && says.test(e.message) && !e.message.includes("\n"),
      text.slice(0, 40),
    );
  }
  assert.throws(
    () => readProfile(path.join(os.tmpdir(), "svcbench-no-such-profile.json")),
    /cannot read it \(ENOENT\)/,
  );
});

test("the checked-in reference profile loads and predicts without root", () => {
  const ref = readProfile(REFERENCE_PROFILE);
  assert.match(ref.name, /reference machine/);
  for (const b of KNOWN_BACKENDS)
    assert.ok(
      ref.functions.some((f) => f.backend === b && f.step === "connect"),
      b,
    );
  assert.ok(STEPS.every((s) => ref.functions.some((f) => f.step === s)));
  const add = predict(ref, "nft-f", "add-service", bytesHeld(ref, "nft", 10000))!;
  assert.ok(add.ns > 1e6 && add.ns < 10e9 && !add.extrapolated, `${add.ns}`);
});

test("what a node pays: the loop plus the tool, the simulator time kept apart; the first packet's mean is half the worst", () => {
  const p = profile(),
    sync = syncCases();
  const legacy = MODES.find((m) => m.backend === "iptables-legacy-restore")!;
  const s = nodeSync(p, legacy, "partial", sync, 1000, 2)!;
  const tool = TRUE.held.a + TRUE.held.b * (900 * 1000) ** TRUE.held.k;
  assert.equal(s.userspace_ns, 1e6);
  assert.equal(s.simulator_ns, 2e6);
  assert.ok(Math.abs(s.tool!.ns / tool - 1) < 0.01);
  assert.equal(s.total_ns, s.userspace_ns + s.tool!.ns);
  const ipvs = nodeSync(p, MODES.find((m) => m.label === "ipvs")!, "full", sync, 1000, 2)!;
  assert.equal(ipvs.tool, undefined);
  assert.equal(ipvs.userspace_ns, 10e6, "a full IPVS sync is the model's first sync");
  const mid = syncShape(sync, "nftables", 3162, 2)!;
  assert.ok(mid.interpolated && Math.abs(mid.userspace_ns / 3.162e6 - 1) < 0.01);
  const fp = firstPacket(p, "iptables-legacy-restore", 5000)!;
  assert.ok(Math.abs(fp.worst_added_ns - TRUE.connect.b * 5000 * 1.02) / fp.worst_added_ns < 0.02);
  assert.equal(fp.mean_added_ns, fp.worst_added_ns / 2);
  assert.equal(firstPacket(p, "nft-f", 5000)!.worst_added_ns, 0);
});

test("npm run calibrate rebuilds calibration.json from a kernel.json, and refuses a bad one in one line", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-cal-"));
  const run = (args: string[]) =>
    spawnSync(process.execPath, [...nodeArgs("src/calibrate/cli"), ...args], { encoding: "utf8" });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelResults()));
  const ok = run(["--from", path.join(dir, "kernel.json")]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(readProfile(path.join(dir, "calibration.json")).functions.length, 14);
  fs.writeFileSync(path.join(dir, "bad.json"), "{");
  const bad = run(["--from", path.join(dir, "bad.json"), "--out", path.join(dir, "calibration.json")]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^svcbench: kernel results .*bad\.json is not valid JSON/);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
  assert.equal(
    readProfile(path.join(dir, "calibration.json")).functions.length,
    14,
    "the earlier profile is left alone",
  );
  fs.writeFileSync(path.join(dir, "file"), "");
  const unwritable = run([
    "--from",
    path.join(dir, "kernel.json"),
    "--out",
    path.join(dir, "file", "calibration.json"),
  ]);
  assert.equal(unwritable.status, 1);
  assert.match(unwritable.stderr, /^svcbench: calibration profile .*: cannot write it \((ENOTDIR|EEXIST)\)\n$/);
});
