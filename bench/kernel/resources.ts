// What a kernel run creates on the host (network namespaces, links, cgroups, mounts such as the bpffs that
// holds BPF pins, temporary folders), recorded before
// the command that creates it: in memory, to remove it all on error, at exit and on SIGINT, SIGTERM or
// SIGHUP (after the commands still running have ended), and in a journal file per run, so that the next
// run removes what a killed one (SIGKILL) left. Any case that creates a kind of these records it here.
import { ChildProcess, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SvcbenchError } from "../../src/core";
import { pidAlive, SIGNALS } from "../../src/report/results-set";

type ResourceKind = "netns" | "link" | "cgroup" | "mount" | "dir";
/**
 * netns and link: names (a link in netns, or in the host's); cgroup: a folder, with the bpftool arguments
 * that detach its program (detach); mount: a mount point (a bpffs drops its pins when unmounted); dir: a folder.
 */
interface Resource {
  kind: ResourceKind;
  name: string;
  netns?: string;
  detach?: string[];
}

const REMOVE: Record<ResourceKind, (r: Resource) => void> = {
  netns: (r) => {
    spawnSync("ip", ["netns", "delete", r.name], { stdio: "ignore" });
  },
  link: (r) => {
    spawnSync("ip", [...(r.netns ? ["-n", r.netns] : []), "link", "delete", r.name], { stdio: "ignore" });
  },
  cgroup: (r) => {
    if (r.detach) spawnSync("bpftool", r.detach, { stdio: "ignore" });
    try {
      fs.rmdirSync(r.name); // a cgroup folder goes with rmdir once no process is in it
    } catch {
      // gone already
    }
  },
  mount: (r) => {
    spawnSync("umount", [r.name], { stdio: "ignore" });
    fs.rmSync(r.name, { recursive: true, force: true });
  },
  dir: (r) => {
    fs.rmSync(r.name, { recursive: true, force: true });
  },
};
/** Namespaces a run names svcbench-PID-…: found even without a journal. */
export const NETNS_PREFIX = "svcbench-";

const held: Resource[] = [];
const inflight = new Set<ChildProcess>();
let stopping: string | undefined;
let hooked = false;

/** Where the journals go: SVCBENCH_RUN_DIR, else /run/svcbench (gone at reboot, as namespaces are). */
export function journalDir(): string {
  return (
    process.env.SVCBENCH_RUN_DIR ??
    (process.getuid?.() === 0 ? "/run/svcbench" : path.join(os.tmpdir(), "svcbench-run"))
  );
}
const journalOf = (pid: number) => path.join(journalDir(), `kernel-${pid}.jsonl`);
const same = (a: Resource, b: Resource) => a.kind === b.kind && a.name === b.name && a.netns === b.netns;

function journal(op: "add" | "del", r: Resource): void {
  fs.mkdirSync(journalDir(), { recursive: true });
  fs.appendFileSync(journalOf(process.pid), JSON.stringify({ op, ...r }) + "\n");
}

/** Call before the command that creates r; refused once the run is stopping on a signal. */
export function record(r: Resource): void {
  hookSignals();
  if (stopping) throw new SvcbenchError(`stopping on ${stopping}: not creating ${r.kind} ${r.name}`);
  journal("add", r);
  held.push(r);
}

/** Removes r now (if recorded) and forgets it. */
export function remove(r: Resource): void {
  const i = held.findIndex((x) => same(x, r));
  if (i < 0) return;
  REMOVE[r.kind](r);
  held.splice(i, 1);
  journal("del", r);
}

/** Removes everything this process recorded, newest first (links before their namespaces); safe to call twice. */
export function removeAll(): void {
  for (const r of [...held].reverse()) remove(r);
  if (held.length === 0) fs.rmSync(journalOf(process.pid), { force: true });
}

/** Removes what was recorded after the first `mark` (a length of heldResources()), newest first. */
export function removeSince(mark: number): void {
  for (const r of held.slice(mark).reverse()) remove(r);
}

/** What this process holds now (tests). */
export function heldResources(): Resource[] {
  return [...held];
}

/** A command that may create something: a signal waits for it to end before removing what was recorded. */
export function track(child: ChildProcess): void {
  inflight.add(child);
  child.once("close", () => inflight.delete(child));
}

/** A stop on a signal: no new resources, the running commands end (killed after 5 s), all is removed, exit 128+n. */
async function stop(sig: (typeof SIGNALS)[number]): Promise<void> {
  if (stopping) return;
  stopping = sig;
  const ended = Promise.all(
    [...inflight].map(
      (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(0) : c.once("close", r))),
    ),
  );
  const timer = new Promise((r) => setTimeout(r, 5000).unref());
  await Promise.race([ended, timer]);
  for (const c of inflight) c.kill("SIGKILL");
  removeAll();
  process.exit(128 + os.constants.signals[sig]);
}

function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", removeAll);
  for (const sig of SIGNALS) process.on(sig, () => void stop(sig));
}

/**
 * Removes what runs whose pid is dead left: every resource their journals list and not removed, and
 * namespaces named svcbench-PID-… of a dead PID. One line per run cleaned up.
 */
export function cleanDeadRuns(): string[] {
  const left = new Map<number, Resource[]>();
  let files: string[] = [];
  try {
    files = fs.readdirSync(journalDir());
  } catch {
    // no journal yet
  }
  for (const f of files) {
    const m = /^kernel-(\d+)\.jsonl$/.exec(f);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    const rs: Resource[] = [];
    for (const line of fs.readFileSync(path.join(journalDir(), f), "utf8").split("\n")) {
      let e: ({ op: string } & Resource) | undefined;
      try {
        e = JSON.parse(line) as { op: string } & Resource;
      } catch {
        continue; // a line cut short by the kill
      }
      const r: Resource = {
        kind: e.kind,
        name: e.name,
        ...(e.netns !== undefined && { netns: e.netns }),
        ...(e.detach !== undefined && { detach: e.detach }),
      };
      if (!Object.hasOwn(REMOVE, r.kind)) continue;
      const at = rs.findIndex((x) => same(x, r));
      if (e.op === "add") rs.push(r);
      else if (at >= 0) rs.splice(at, 1);
    }
    left.set(Number(m[1]), rs);
    fs.rmSync(path.join(journalDir(), f), { force: true });
  }
  const listed = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  for (const name of listed.split("\n").map((l) => l.split(" ")[0])) {
    const m = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    const rs = left.get(Number(m[1])) ?? [];
    if (!rs.some((r) => r.kind === "netns" && r.name === name)) rs.push({ kind: "netns", name });
    left.set(Number(m[1]), rs);
  }
  const said: string[] = [];
  for (const [pid, rs] of left) {
    if (rs.length === 0) continue;
    for (const r of [...rs].reverse()) REMOVE[r.kind](r);
    said.push(`removed what the dead run ${pid} left: ${rs.map((r) => `${r.kind} ${r.name}`).join(", ")}`);
  }
  return said;
}
