// The kernel suite's BPF case leaves nothing behind: not on an injected failure midway, not on SIGTERM
// while its program is attached (its pins, bpffs mount, cgroup and compiled object all go); a host with
// only cgroup v1 is recognised (the case then mounts a private cgroup2). Needs root, clang, bpftool.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { Progress } from "../bench/harness";
import { BACKENDS } from "../bench/kernel/cases";
import { cgroup2Mount, liveBpf } from "../bench/kernel/bpf-resources";
import { liveNamespaces } from "../bench/kernel/netns";
import { runKernel } from "../bench/kernel/run";
import { TOOLS } from "../bench/kernel/tools";
import { SvcbenchError } from "../src/core";
import { moduleFile, tsNodeArgs } from "../src/util/root";

const have = (cmd: string) =>
  cmd.startsWith("/") ? fs.existsSync(cmd) : spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const skip =
  process.getuid?.() !== 0
    ? "needs root for BPF, cgroups and network namespaces"
    : TOOLS.filter((t) => !have(t.cmd)).map((t) => `${t.cmd} is not installed (apt-get install ${t.pkg})`)[0];
const bpf = BACKENDS.filter((b) => b.family === "bpf");
const mounts = () => fs.readFileSync("/proc/self/mounts", "utf8");
/** bpffs mounts, cgroups and temporary folders named for process pid. */
function leftBy(pid: number): string[] {
  const cg = cgroup2Mount();
  return [
    ...mounts()
      .split("\n")
      .filter((l) => l.includes(`svcbench-${pid}-`)),
    ...(cg ? fs.readdirSync(cg).filter((d) => d.startsWith(`svcbench-${pid}-`)) : []),
    ...fs.readdirSync("/tmp").filter((d) => d.startsWith(`svcbench-${pid}-`)),
  ];
}

test("cgroup2Mount finds a cgroup2 hierarchy, and none on a v1-only host", () => {
  assert.equal(
    cgroup2Mount("cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"),
    "/sys/fs/cgroup/unified",
  );
  assert.equal(
    cgroup2Mount("cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw 0 0\n"),
    undefined,
  );
});

test("a BPF run that fails midway removes its program, pins, cgroup and namespaces", { skip }, async () => {
  let held: string[] = [];
  const fail = (label: string) => {
    if (label.startsWith("bpf-sock-lb add-service")) {
      held = liveBpf();
      throw new SvcbenchError("injected failure");
    }
  };
  await assert.rejects(
    runKernel(
      {
        sizes: [20],
        seed: 3,
        sampling: { samples: 1, timeMs: 0, limitMs: 20000 },
        connects: 3,
        model: false,
        backends: bpf,
        onStep: fail,
      },
      new Progress(0, false),
    ),
    /injected failure/,
  );
  assert.equal(held.length, 3, `object folder, bpffs and cgroup were live when it failed: ${held}`);
  assert.deepEqual(liveBpf(), []);
  assert.deepEqual(liveNamespaces(), []);
  assert.deepEqual(leftBy(process.pid), []);
  for (const p of held) assert.equal(fs.existsSync(p), false, p);
});

test("SIGTERM while the program is attached removes it all", { skip }, async () => {
  const root = path.join(__dirname, "..");
  const child = spawn(
    process.execPath,
    [
      ...tsNodeArgs(),
      "-e",
      `require(${JSON.stringify(moduleFile("bench/kernel/bpf"))}).loadSockLb(65536).then((lb) => { console.log("loaded " + lb.cgroup); setInterval(() => {}, 1000); }, (e) => { console.error(e.message); process.exit(1); });`,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  const cg = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      const m = /loaded (\S+)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  assert.ok(fs.existsSync(cg), "the cgroup exists while loaded");
  assert.ok(leftBy(child.pid!).length >= 3);
  const code = await new Promise<number | null>((resolve) => {
    child.on("exit", resolve);
    child.kill("SIGTERM");
  });
  assert.equal(code, 143);
  assert.equal(fs.existsSync(cg), false);
  assert.deepEqual(leftBy(child.pid!), []);
});
