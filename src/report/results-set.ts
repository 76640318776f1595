// The results set lands whole or not at all: every file is written into a fresh folder beside them
// (DIR/.svcbench-new-PID), marked complete, then swapped in entry by entry with renames, the old entries
// moved to DIR/.svcbench-old-PID until the end. A failure rolls the swap back; SIGINT, SIGTERM and
// SIGHUP wait for the swap to finish and then exit 128+n; what a killed run left is finished or removed
// by the next one (recognised by name and a dead pid). The output folder is checked before measuring.
import fs from "node:fs";
import { constants as osConstants } from "node:os";
import path from "node:path";
import { UsageError } from "../cli/flags";
import { errno, SvcbenchError } from "../core";

const NEW = ".svcbench-new-";
const OLD = ".svcbench-old-";
/** Written last into the new folder: the set in it is whole, and a later run may finish the swap. */
const COMPLETE = ".complete";
/** Deepest folder --out may create. */
const MAX_NEW_LEVELS = 32;
export const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type Signal = (typeof SIGNALS)[number];

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errno(err) === "EPERM";
  }
}

/**
 * Creates dir (and missing parents, one level at a time, at most MAX_NEW_LEVELS) and checks that this
 * process can write in it; every refusal is a one-line UsageError. Returns the absolute path.
 */
export function prepareOut(dir: string, flag = "--out"): string {
  if (dir.trim() === "") throw new UsageError(`${flag} must name a folder, got ""`);
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(at);
    } catch (err) {
      if (errno(err) !== "ENOENT" && errno(err) !== "ENOTDIR")
        throw new UsageError(`${flag} ${dir}: cannot reach ${at}: ${errno(err)}`);
    }
    if (st) {
      if (!st.isDirectory()) throw new UsageError(`${flag} ${dir}: ${at} is not a folder`);
      break;
    }
    missing.unshift(at);
    if (missing.length > MAX_NEW_LEVELS)
      throw new UsageError(`${flag} ${dir}: more than ${MAX_NEW_LEVELS} folders to create`);
    at = path.dirname(at);
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      if (errno(err) !== "EEXIST") throw new UsageError(`${flag} ${dir}: cannot create ${d}: ${errno(err)}`);
    }
  }
  // access() can answer yes where a write still fails (read-only mounts, /proc): try one.
  const probe = path.join(abs, `${NEW}${process.pid}.probe`);
  try {
    fs.writeFileSync(probe, "");
    fs.rmSync(probe, { force: true });
  } catch (err) {
    throw new UsageError(`${flag} ${dir}: cannot write in it: ${errno(err)}`);
  }
  return abs;
}

/**
 * Refuses, before measuring, a set entry that a folder or file of the wrong kind blocks (folders: names that
 * end in /).
 */
export function checkEntries(dir: string, entries: readonly string[]): void {
  for (const entry of entries) {
    const wantDir = entry.endsWith("/"),
      name = entry.replace(/\/$/, "");
    let st: fs.Stats;
    try {
      st = fs.statSync(path.join(dir, name));
    } catch {
      continue;
    }
    if (st.isDirectory() !== wantDir) {
      throw new UsageError(
        `${path.join(dir, name)} is ${st.isDirectory() ? "a folder" : "not a folder"}, where the results set puts its ${name}: move it away`,
      );
    }
  }
}

/** Top-level entries of a set: a file, or the first folder of a nested path with its "/" (charts/). */
const topEntries = (files: Iterable<string>) => [...new Set([...files].map((rel) => rel.replace(/[\\/].*$/, "/")))];

/**
 * What a dead earlier run left in dir: a new folder marked complete finishes its swap; any other
 * folder or temp file goes. Returns one line per run cleaned up.
 */
export function cleanLeftovers(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const said: string[] = [];
  const dead = (pid: string) => Number(pid) !== process.pid && !pidAlive(Number(pid));
  for (const name of names) {
    const m = /^\.svcbench-new-(\d+)$/.exec(name);
    if (!m || !dead(m[1])) continue;
    const fresh = path.join(dir, name),
      old = path.join(dir, `${OLD}${m[1]}`);
    if (fs.existsSync(path.join(fresh, COMPLETE))) {
      fs.mkdirSync(old, { recursive: true });
      for (const e of fs.readdirSync(fresh).filter((x) => x !== COMPLETE)) moveIn(dir, fresh, old, e);
      said.push(`finished the interrupted write of run ${m[1]} in ${dir}`);
    } else said.push(`removed the unfinished write of run ${m[1]} in ${dir}`);
    fs.rmSync(fresh, { recursive: true, force: true });
    fs.rmSync(old, { recursive: true, force: true });
  }
  for (const name of fs.readdirSync(dir)) {
    const m = /^\.svcbench-(?:old|new)-(\d+)(?:\.probe)?$/.exec(name) ?? /\.(\d+)\.tmp$/.exec(name);
    if (!m || !dead(m[1])) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    said.push(`removed ${name}, left in ${dir} by run ${m[1]}`);
  }
  return said;
}

/** One entry's swap: the old one (if any) aside into old/, the new one into place. */
function moveIn(dir: string, fresh: string, old: string, e: string): void {
  const target = path.join(dir, e);
  if (fs.existsSync(target) && !fs.existsSync(path.join(old, e))) fs.renameSync(target, path.join(old, e));
  fs.renameSync(path.join(fresh, e), target);
}

interface WriteSetHooks {
  /** Called before each entry's swap (tests: a signal or a failure in the middle). */
  beforeSwap?: (entry: string, index: number) => void;
  /** How a caught signal ends the process once the set is whole (default process.exit). */
  exit?: (code: number) => void;
}

/**
 * Writes files (path relative to dir → content) as one set: all of them land, or none does and the
 * old entries stay byte for byte. dir must exist (prepareOut).
 */
export async function writeSet(dir: string, files: Map<string, string>, hooks: WriteSetHooks = {}): Promise<void> {
  let caught: Signal | undefined;
  const onSignal = (s: Signal) => {
    caught ??= s;
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    const entries = topEntries(files.keys());
    checkEntries(dir, entries);
    const fresh = path.join(dir, `${NEW}${process.pid}`),
      old = path.join(dir, `${OLD}${process.pid}`);
    fs.rmSync(fresh, { recursive: true, force: true });
    fs.rmSync(old, { recursive: true, force: true });
    try {
      fs.mkdirSync(fresh);
      for (const [rel, content] of files) {
        fs.mkdirSync(path.dirname(path.join(fresh, rel)), { recursive: true });
        fs.writeFileSync(path.join(fresh, rel), content);
      }
      fs.writeFileSync(path.join(fresh, COMPLETE), "");
      fs.mkdirSync(old);
    } catch (err) {
      fs.rmSync(fresh, { recursive: true, force: true });
      fs.rmSync(old, { recursive: true, force: true });
      throw new SvcbenchError(`cannot write the results into ${dir}: ${errno(err)}; the results there are unchanged`);
    }
    swap(
      dir,
      fresh,
      old,
      entries.map((e) => e.replace(/\/$/, "")),
      hooks,
    );
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(fresh, { recursive: true, force: true });
  } finally {
    // A signal that came during the synchronous writes is delivered on the next turn of the loop.
    await new Promise((r) => setImmediate(r));
    for (const s of SIGNALS) process.off(s, onSignal);
  }
  if (caught) (hooks.exit ?? process.exit)(128 + osConstants.signals[caught]);
}

function swap(dir: string, fresh: string, old: string, entries: string[], hooks: WriteSetHooks): void {
  const done: string[] = [];
  try {
    entries.forEach((e, i) => {
      hooks.beforeSwap?.(e, i);
      done.push(e);
      moveIn(dir, fresh, old, e);
    });
  } catch (err) {
    // Back as it was: each swapped entry's new one out, its old one (if it had one) back.
    for (const e of done.reverse()) {
      const target = path.join(dir, e),
        kept = path.join(old, e);
      if (fs.existsSync(kept)) {
        fs.rmSync(target, { recursive: true, force: true });
        fs.renameSync(kept, target);
      } else if (!fs.existsSync(path.join(fresh, e))) fs.rmSync(target, { recursive: true, force: true });
    }
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(fresh, { recursive: true, force: true });
    throw new SvcbenchError(
      `cannot put the results in place in ${dir}: ${errno(err)}; the results there are unchanged`,
    );
  }
}
