// Private network namespaces for the kernel suite: every rule and packet stays inside them. Each is
// recorded before `ip netns add` (resources.ts), so it is deleted at the end, on error, on SIGINT,
// SIGTERM or SIGHUP, and by the next run after a SIGKILL.
import { spawn } from "node:child_process";
import { SvcbenchError } from "../../src/core";
import { heldResources, NETNS_PREFIX, record, remove, removeAll, track } from "./resources";

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ns. */
  ns: number;
  timedOut: boolean;
}

let serial = 0;

/** Deletes every namespace (and whatever else) this process made; safe to call twice. */
export function deleteAll(): void {
  removeAll();
}

/** SVCBENCH_KERNEL_SLOW=TEXT: a command whose line contains TEXT starts 2 s late (tests: a signal during that step). */
function slowed(cmd: string, args: string[]): [string, string[]] {
  const slow = process.env.SVCBENCH_KERNEL_SLOW;
  if (!slow || ![cmd, ...args].join(" ").includes(slow)) return [cmd, args];
  process.stderr.write(`kernel: slowed step: ${[cmd, ...args].join(" ")}\n`);
  return ["sh", ["-c", 'sleep 2; exec "$@"', "sh", cmd, ...args]];
}

/** Runs cmd with args, feeding input on stdin; kills it after timeoutMs. */
export function run(cmd: string, args: string[], input = "", timeoutMs = 60000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const [c, a] = slowed(cmd, args);
    const child = spawn(c, a, { stdio: ["pipe", "pipe", "pipe"] });
    track(child);
    let stdout = "",
      stderr = "",
      timedOut = false;
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new SvcbenchError(`cannot run ${cmd}: ${err.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ns: Number(process.hrtime.bigint() - t0), timedOut });
    });
    child.stdin.on("error", () => undefined); // a command that exits early closes its stdin
    child.stdin.end(input);
  });
}

export class Netns {
  private constructor(readonly name: string) {}

  static async create(role: string): Promise<Netns> {
    const name = `${NETNS_PREFIX}${process.pid}-${serial++}-${role}`;
    record({ kind: "netns", name });
    const r = await run("ip", ["netns", "add", name]);
    if (r.code !== 0) {
      remove({ kind: "netns", name });
      throw new SvcbenchError(`ip netns add ${name} failed: ${r.stderr.trim()}`);
    }
    const lo = await run("ip", ["netns", "exec", name, "ip", "link", "set", "lo", "up"]);
    if (lo.code !== 0) throw new SvcbenchError(`bringing up lo in ${name} failed: ${lo.stderr.trim()}`);
    return new Netns(name);
  }

  exec(cmd: string, args: string[], input = "", timeoutMs = 60000): Promise<Ran> {
    return run("ip", ["netns", "exec", this.name, cmd, ...args], input, timeoutMs);
  }

  /** Like exec, but a failure is an error naming the command and what it said. */
  async must(cmd: string, args: string[], input = "", timeoutMs = 60000): Promise<Ran> {
    const r = await this.bounded(cmd, args, input, timeoutMs);
    if (r.timedOut) throw new SvcbenchError(`${cmd} ${args.join(" ")} in ${this.name} took over ${timeoutMs / 1000} s`);
    return r;
  }

  /** Like must, but a run past timeoutMs is killed and comes back with timedOut set instead of failing. */
  async bounded(cmd: string, args: string[], input: string, timeoutMs: number): Promise<Ran> {
    const r = await this.exec(cmd, args, input, timeoutMs);
    if (r.code !== 0 && !r.timedOut) {
      throw new SvcbenchError(
        `${cmd} ${args.join(" ")} in ${this.name} failed: ${r.stderr.trim().split("\n").slice(0, 3).join(" / ") || `exit code ${r.code}`}`,
      );
    }
    return r;
  }

  /** Deletes the namespace (and the links recorded in it, first). */
  async delete(): Promise<void> {
    for (const r of heldResources().reverse()) if (r.kind === "link" && r.netns === this.name) remove(r);
    remove({ kind: "netns", name: this.name });
  }
}

/** Names of namespaces this process still holds (for tests). */
export function liveNamespaces(): string[] {
  return heldResources()
    .filter((r) => r.kind === "netns")
    .map((r) => r.name);
}
