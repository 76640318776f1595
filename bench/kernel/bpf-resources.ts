// What the BPF case creates outside its namespaces, recorded before it is created and removed at the
// end, on error, and on exit (Ctrl-C and SIGTERM included): a private bpffs mount holding the program's
// and maps' pins (unmounting it drops the pins, and the kernel frees what nothing else holds), a cgroup
// v2 the program is attached to (a private cgroup2 hierarchy is mounted when the host has none), and the
// temporary folder of the compiled object.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SvcbenchError } from "../../src/core";

type Resource = { kind: "mount" | "cgroup" | "dir"; path: string; detach?: string[] };

const live: Resource[] = [];
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", removeAllBpf);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      removeAllBpf();
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
}

function record(r: Resource): Resource {
  hookExit();
  live.push(r);
  return r;
}

/** Removes one resource: a cgroup's program detached and the cgroup deleted; a mount unmounted and its folder deleted. */
function remove(r: Resource): void {
  if (r.kind === "cgroup") {
    if (r.detach) spawnSync("bpftool", r.detach, { stdio: "ignore" });
    if (fs.existsSync(r.path)) spawnSync("rmdir", [r.path], { stdio: "ignore" });
  } else if (r.kind === "mount") {
    spawnSync("umount", [r.path], { stdio: "ignore" });
    fs.rmSync(r.path, { recursive: true, force: true });
  } else {
    fs.rmSync(r.path, { recursive: true, force: true });
  }
}

/** Removes everything recorded, newest first; safe to call twice. */
export function removeAllBpf(): void {
  while (live.length > 0) remove(live.pop()!);
}

/** Removes the resources recorded after `mark` (a length of liveBpf()), newest first. */
export function removeSince(mark: number): void {
  while (live.length > mark) remove(live.pop()!);
}

/** Paths of what this process still holds (for tests). */
export function liveBpf(): string[] {
  return live.map((r) => r.path);
}

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new SvcbenchError(`${cmd} ${args.join(" ")} failed: ${(r.stderr || r.error?.message || `exit code ${r.status}`).trim().split("\n")[0]}`);
}

/** A temporary folder (recorded). */
export function tempDir(role: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `svcbench-${process.pid}-${role}-`));
  record({ kind: "dir", path: dir });
  return dir;
}

/** A private bpffs mounted on a new temporary folder. */
export function bpffs(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `svcbench-${process.pid}-bpffs-`));
  record({ kind: "mount", path: dir });
  must("mount", ["-t", "bpf", "bpf", dir]);
  return dir;
}

/** Where a cgroup2 hierarchy is mounted, if any (/proc/self/mounts). */
export function cgroup2Mount(mounts = fs.readFileSync("/proc/self/mounts", "utf8")): string | undefined {
  return mounts.split("\n").map((l) => l.split(" ")).find((f) => f[2] === "cgroup2")?.[1];
}

/** A new cgroup v2 for the run (in a private cgroup2 hierarchy when the host has only v1); detachArgs undo the attach. */
export function cgroup(detachArgs: (cg: string) => string[]): string {
  let root = cgroup2Mount();
  if (!root) {
    root = fs.mkdtempSync(path.join(os.tmpdir(), `svcbench-${process.pid}-cgroup2-`));
    record({ kind: "mount", path: root });
    must("mount", ["-t", "cgroup2", "none", root]);
  }
  const cg = path.join(root, `svcbench-${process.pid}-bpf`);
  record({ kind: "cgroup", path: cg, detach: detachArgs(cg) });
  fs.mkdirSync(cg);
  return cg;
}
