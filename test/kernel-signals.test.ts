// A kernel run leaves nothing on the host: SIGINT, SIGTERM or SIGHUP while a namespace is being
// created, while the veth is being added, or during a timed iptables-restore (each step slowed by 2 s)
// ends the run with 128+n and no namespace or journal left; after a SIGKILL, the next run removes
// what the dead one left and says so in one line. Needs root and the tools; skipped otherwise.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cleanDeadRuns } from "../bench/kernel/resources";
import { TOOLS } from "../bench/kernel/tools";
import { nodeArgs } from "../src/util/root";

const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const skip =
  process.getuid?.() !== 0
    ? "needs root for private network namespaces"
    : TOOLS.filter((t) => !have(t.cmd)).map((t) => `${t.cmd} is not installed (apt-get install ${t.pkg})`)[0];
const namespacesOf = (pid: number) =>
  spawnSync("ip", ["netns", "list"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((l) => l.startsWith(`svcbench-${pid}-`));
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-run-"));

/** A small kernel run whose step matching slow starts 2 s late; resolves once that step has begun. */
function slowRun(slow: string, out: string) {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs("bench/kernel/main"),
      "--sizes",
      "10",
      "--samples",
      "1",
      "--connects",
      "1",
      "--skip-model",
      "--out",
      out,
    ],
    {
      cwd: path.join(__dirname, ".."),
      env: { ...process.env, SVCBENCH_KERNEL_SLOW: slow, SVCBENCH_RUN_DIR: runDir },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const slowed = new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      if (stderr.includes("kernel: slowed step:")) resolve();
    });
    void exited.then(() => reject(new Error(`exited before the slowed step: ${stderr}`)));
  });
  return { child, slowed, exited, stderr: () => stderr };
}

const PHASES = ["netns add", "type veth", "iptables-legacy-restore"];
const SIGNALS = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const;

test("each signal at each phase: exit 128+n, no namespace, no journal, no results", {
  skip,
  timeout: 180000,
}, async () => {
  await Promise.all(
    PHASES.flatMap((phase) =>
      SIGNALS.map(async ([sig, code]) => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-ksig-"));
        const r = slowRun(phase, out);
        await r.slowed;
        r.child.kill(sig);
        assert.equal(await r.exited, code, `${sig} during ${phase}: ${r.stderr()}`);
        assert.deepEqual(namespacesOf(r.child.pid!), [], `${sig} during ${phase}`);
        assert.equal(fs.existsSync(path.join(runDir, `kernel-${r.child.pid}.jsonl`)), false, "journal removed");
        assert.deepEqual(fs.readdirSync(out), []);
      }),
    ),
  );
});

test("after a SIGKILL, the next run removes the dead run's namespaces and says so in one line", {
  skip,
  timeout: 120000,
}, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-ksig-"));
  const r = slowRun("type veth", out);
  await r.slowed;
  r.child.kill("SIGKILL");
  await r.exited;
  const pid = r.child.pid!;
  assert.equal(namespacesOf(pid).length, 2, "node and pods namespaces were left");
  const was = process.env.SVCBENCH_RUN_DIR;
  process.env.SVCBENCH_RUN_DIR = runDir;
  try {
    const said = cleanDeadRuns();
    assert.equal(said.length, 1);
    assert.match(
      said[0],
      new RegExp(
        `^removed what the dead run ${pid} left: link veth-node, netns svcbench-${pid}-0-node, netns svcbench-${pid}-1-pods|^removed what the dead run ${pid} left: .*netns svcbench-${pid}-1-pods`,
      ),
    );
  } finally {
    if (was === undefined) delete process.env.SVCBENCH_RUN_DIR;
    else process.env.SVCBENCH_RUN_DIR = was;
  }
  assert.deepEqual(namespacesOf(pid), []);
  assert.deepEqual(
    cleanDeadRuns().filter((l) => l.includes(String(pid))),
    [],
    "nothing left to say",
  );
});
