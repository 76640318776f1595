// The kernel suite: its preflight names what is missing and how to get it; npm run bench:kernel
// refuses bad flags and a machine without root or tools before touching results; a small run loads
// every backend and connects through the rules; a run that fails midway leaves no namespace behind.
// The runs need root, ip and the iptables/nftables tools; elsewhere they are skipped with the reason.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Progress } from "../bench/harness";
import { BACKENDS } from "../bench/kernel/cases";
import { main } from "../bench/kernel/main";
import { liveNamespaces } from "../bench/kernel/netns";
import { liveBpf } from "../bench/kernel/bpf-resources";
import { runKernel } from "../bench/kernel/run";
import { preflight, TOOLS } from "../bench/kernel/tools";
import { SvcbenchError } from "../src/core";
import { nodeArgs } from "../src/util/root";
import { runCommand } from "./run-command";

const kernelCli = (args: string[]) => runCommand(main, args);
const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const skip =
  process.getuid?.() !== 0
    ? "needs root for private network namespaces"
    : TOOLS.filter((t) => !have(t.cmd)).map((t) => `${t.cmd} is not installed (apt-get install ${t.pkg})`)[0];
const small = { sizes: [30], seed: 3, sampling: { samples: 2, timeMs: 0, limitMs: 20000 }, connects: 5, model: false };
const ourNamespaces = () =>
  spawnSync("ip", ["netns", "list"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((l) => l.startsWith(`svcbench-${process.pid}-`));

test("the preflight names everything missing, and the packages that hold it", () => {
  assert.doesNotThrow(() => preflight(true, () => true));
  assert.throws(
    () => preflight(false, () => true),
    (e: Error) => e instanceof SvcbenchError && /^the kernel suite cannot run: it must run as root/.test(e.message),
  );
  assert.throws(() => preflight(true, (c) => c !== "nft"), /missing nft: install with "apt-get install nftables"$/);
  assert.throws(
    () => preflight(false, (c) => c === "ip"),
    /must run as root .*; missing iptables-legacy-restore, iptables-nft-restore, nft, clang, gcc, bpftool, \/usr\/include\/bpf\/bpf_helpers.h: install with "apt-get install iptables nftables clang gcc bpftool libbpf-dev"$/,
  );
  assert.throws(
    () => preflight(true, (c) => c !== "bpftool" && c !== "/usr/include/bpf/bpf_helpers.h"),
    /missing bpftool, \/usr\/include\/bpf\/bpf_helpers.h: install with "apt-get install bpftool libbpf-dev"$/,
  );
});

test("bench:kernel refuses bad flags (exit 2) and a machine without the tools (exit 1), before writing anything", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-"));
  fs.writeFileSync(path.join(out, "kernel.json"), "earlier");
  for (const [args, says] of [
    [["--timeout", "0"], /--timeout must be a number from 0.1 to 3600/],
    [["--samples", "x"], /--samples must be a whole number/],
    [["--bogus"], /Unknown option '--bogus'/],
  ] as const) {
    const r = await kernelCli([...args, "--out", out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, says);
  }
  // A PATH with a shell and nothing else: every tool is missing.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-bin-"));
  fs.symlinkSync("/bin/sh", path.join(bin, "sh"));
  const r = spawnSync(process.execPath, [...nodeArgs("bench/kernel/main"), "--sizes", "10", "--out", out], {
    encoding: "utf8",
    env: { ...process.env, PATH: bin },
    cwd: path.join(__dirname, ".."),
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /^svcbench: the kernel suite cannot run: .*missing ip, iptables-legacy-restore, iptables-nft-restore, nft, clang, gcc, bpftool: install with "apt-get install iproute2 iptables nftables clang gcc bpftool"\n$/,
  );
  assert.deepEqual(fs.readdirSync(out), ["kernel.json"]);
  assert.equal(fs.readFileSync(path.join(out, "kernel.json"), "utf8"), "earlier");
  assert.match((await kernelCli(["--help"])).stdout, /apt-get install iptables nftables[\s\S]*--timeout S/);
});

test("a small run times every backend's steps and connects through each ruleset", { skip }, async () => {
  const { cases } = await runKernel(small, new Progress(0, false));
  const want = {
    "iptables-legacy-restore": ["first-load", "partial-resync", "add-service", "connect", "full-resync"],
    "iptables-nft-restore": ["first-load", "partial-resync", "add-service", "connect", "full-resync"],
    "nft-f": ["first-load", "add-service", "delete-service", "connect"],
    "bpf-sock-lb": ["first-load", "add-service", "delete-service", "connect"],
  };
  for (const b of BACKENDS)
    assert.deepEqual(
      cases.filter((c) => c.impl === b.impl).map((c) => c.scenario),
      want[b.impl],
    );
  for (const c of cases) {
    assert.equal(c.suite, "kernel");
    assert.equal(c.n, 30);
    assert.ok(c.median_ns > 0 && c.p99_ns >= c.median_ns && c.samples >= 1, JSON.stringify(c));
    assert.notEqual(c.over_limit, true);
  }
  const conn = cases.find((c) => c.impl === "iptables-legacy-restore" && c.scenario === "connect")!;
  assert.equal(conn.samples, 5);
  assert.ok(Number(conn.rules_before) >= 29, "the probe's rule is at the end of KUBE-SERVICES");
  assert.equal(cases.find((c) => c.scenario === "first-load")!.mode, "iptables-full");
  // No netfilter rule sends the ClusterIP anywhere in the BPF case's namespaces: its connects reach a pod only through the program.
  const bpf = cases.find((c) => c.impl === "bpf-sock-lb" && c.scenario === "connect")!;
  assert.equal(bpf.samples, 5);
  assert.equal(bpf.mode, "ebpf");
  assert.deepEqual(liveBpf(), []);
  assert.deepEqual(liveNamespaces(), []);
  assert.deepEqual(ourNamespaces(), []);
});

test("a run that fails midway deletes its namespaces", { skip }, async () => {
  let seen = 0;
  const fail = (label: string) => {
    if (label.includes("partial-resync")) {
      seen = liveNamespaces().length;
      throw new SvcbenchError("injected failure");
    }
  };
  await assert.rejects(
    runKernel({ ...small, backends: BACKENDS.slice(0, 1), onStep: fail }, new Progress(0, false)),
    /injected failure/,
  );
  assert.equal(seen, 2, "node and pods namespaces were live when it failed");
  assert.deepEqual(liveNamespaces(), []);
  assert.deepEqual(ourNamespaces(), []);
});

test("a step over the limit is reported, and the larger size of that curve is not tried", { skip }, async () => {
  const { cases } = await runKernel(
    {
      ...small,
      sizes: [20, 40],
      sampling: { samples: 1, timeMs: 0, limitMs: 0.1 },
      setupLimitMs: 20000,
      backends: BACKENDS.filter((b) => b.impl === "nft-f"),
    },
    new Progress(0, false),
  ).catch((err: Error) => assert.fail(err.message));
  const first = cases.filter((c) => c.scenario === "first-load");
  assert.deepEqual(
    first.map((c) => [c.n, c.over_limit, c.samples]),
    [
      [20, true, 0],
      [40, true, 0],
    ],
  );
  assert.equal(first[1].not_tried, "over the limit at N=20");
  assert.equal(first[0].median_ns, 0.1e6, "the limit stands in as a lower bound");
  assert.ok(Number(first[0].untimed_load_ns) > 0, "the later cases got their ruleset from an untimed load");
  assert.deepEqual(ourNamespaces(), []);
});
