// Private network namespaces for the kernel suite: every rule and packet stays inside them, and
// each one is deleted at the end, on error, and on Ctrl-C or SIGTERM (ip netns add / delete).
import { spawn, spawnSync } from "node:child_process";
import { SvcbenchError } from "../../src/core";

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ns. */
  ns: number;
  timedOut: boolean;
}

const live = new Set<string>();
let serial = 0;
let hooked = false;

/** Deletes every namespace this process made; safe to call twice. */
export function deleteAll(): void {
  for (const name of live) {
    spawnSync("ip", ["netns", "delete", name], { stdio: "ignore" });
    live.delete(name);
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", deleteAll);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      deleteAll();
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
}

/** Runs cmd with args, feeding input on stdin; kills it after timeoutMs. */
export function run(cmd: string, args: string[], input = "", timeoutMs = 60000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "", stderr = "", timedOut = false;
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, timeoutMs);
    child.on("error", (err) => { clearTimeout(timer); reject(new SvcbenchError(`cannot run ${cmd}: ${err.message}`)); });
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
    hookExit();
    const name = `svcbench-${process.pid}-${serial++}-${role}`;
    const r = await run("ip", ["netns", "add", name]);
    if (r.code !== 0) throw new SvcbenchError(`ip netns add ${name} failed: ${r.stderr.trim()}`);
    live.add(name);
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
      throw new SvcbenchError(`${cmd} ${args.join(" ")} in ${this.name} failed: ${r.stderr.trim().split("\n").slice(0, 3).join(" / ") || `exit code ${r.code}`}`);
    }
    return r;
  }

  async delete(): Promise<void> {
    if (!live.has(this.name)) return;
    await run("ip", ["netns", "delete", this.name]);
    live.delete(this.name);
  }
}

/** Names of namespaces this process still holds (for tests). */
export function liveNamespaces(): string[] {
  return [...live];
}
