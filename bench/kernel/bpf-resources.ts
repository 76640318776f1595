// What the BPF case creates outside its namespaces, each recorded in the run's cleanup journal
// (resources.ts) before it is created, so that it goes at the end, on error, on exit and on a signal: a
// private bpffs mount holding the program's and maps' pins (unmounting it drops the pins, and the kernel
// frees what nothing else holds), a cgroup v2 the program is attached to (a private cgroup2 hierarchy is
// mounted when the host has none), and the temporary folder of the compiled object.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SvcbenchError } from "../../src/core";
import { heldResources, record } from "./resources";

const BPF_KINDS = new Set(["mount", "dir", "cgroup"]);

/** Paths of what the BPF case still holds (for tests). */
export function liveBpf(): string[] {
  return heldResources()
    .filter((r) => BPF_KINDS.has(r.kind))
    .map((r) => r.name);
}

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0)
    throw new SvcbenchError(
      `${cmd} ${args.join(" ")} failed: ${(r.stderr || r.error?.message || `exit code ${r.status}`).trim().split("\n")[0]}`,
    );
}

/** A temporary folder (recorded). */
export function tempDir(role: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `svcbench-${process.pid}-${role}-`));
  record({ kind: "dir", name: dir });
  return dir;
}

/** A private bpffs mounted on a new temporary folder. */
export function bpffs(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `svcbench-${process.pid}-bpffs-`));
  record({ kind: "mount", name: dir });
  must("mount", ["-t", "bpf", "bpf", dir]);
  return dir;
}

/** Where a cgroup2 hierarchy is mounted, if any (/proc/self/mounts). */
export function cgroup2Mount(mounts = fs.readFileSync("/proc/self/mounts", "utf8")): string | undefined {
  return mounts
    .split("\n")
    .map((l) => l.split(" "))
    .find((f) => f[2] === "cgroup2")?.[1];
}

/**
 * A new cgroup v2 for the run (in a private cgroup2 hierarchy when the host has only v1); detachArgs undo the
 * attach.
 */
export function cgroup(detachArgs: (cg: string) => string[]): string {
  let root = cgroup2Mount();
  if (!root) {
    root = fs.mkdtempSync(path.join(os.tmpdir(), `svcbench-${process.pid}-cgroup2-`));
    record({ kind: "mount", name: root });
    must("mount", ["-t", "cgroup2", "none", root]);
  }
  const cg = path.join(root, `svcbench-${process.pid}-bpf`);
  record({ kind: "cgroup", name: cg, detach: detachArgs(cg) });
  fs.mkdirSync(cg);
  return cg;
}
