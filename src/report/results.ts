// The one shape of every results file ({env, cases}), the run's environment, and atomic writes.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../util/root";
import { CaseResult } from "./cases";

export type { CaseResult } from "./cases";

export interface RunEnv extends Partial<BenchEnv>, Partial<KernelEnv> {
  node: string;
  v8: string;
  cpu: string;
  cores: number;
  commit: string;
  seed: number;
  date: string;
  versions: Record<string, string>;
}

/** What `npm run bench` adds: the traffic, the sampling time per case, --full and --filter. */
interface BenchEnv {
  traffic: { distribution: string; zipfS?: number; missRatio: number };
  time_ms: number;
  full: boolean;
  filter: string;
}

/** What `npm run bench:kernel` adds: the kernel and tools, the sweep, the sampling, and the load around it. */
interface KernelEnv {
  kernel: string;
  tools: Record<string, string>;
  sizes: number[];
  endpoints: number;
  samples: number;
  time_ms: number;
  timeout_s: number;
  connects: number;
  /** The fixed cost of `ip netns exec` around each timed command. */
  exec_overhead_ns: number;
  loadavg_start: number[];
  loadavg_end: number[];
}

export interface ResultsFile {
  env: RunEnv;
  cases: CaseResult[];
}

/** The installed version of a package (its exports may hide package.json from require.resolve). */
function packageVersion(name: string): string {
  const dir = path.join(PACKAGE_ROOT, "node_modules", ...name.split("/"));
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function gitCommit(): string {
  try {
    const cwd = PACKAGE_ROOT;
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd, stdio: ["ignore", "pipe", "ignore"] });
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd,
      stdio: ["ignore", "pipe", "ignore"],
    });
    return head.toString().trim() + (dirty.length > 0 ? "-dirty" : "");
  } catch {
    return "unknown";
  }
}

/** What a reader needs to know to compare this run with another. */
export function runEnv(seed: number, extra: Partial<BenchEnv> | Partial<KernelEnv> = {}): RunEnv {
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    commit: gitCommit(),
    seed,
    date: new Date().toISOString(),
    versions: {
      assemblyscript: packageVersion("assemblyscript"),
      tinybench: packageVersion("tinybench"),
    },
    ...extra,
  };
}

/**
 * Writes a file so that a reader sees the old content or the new, never half:
 * write a temporary file beside it, then rename over.
 */
export function writeAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeResults(file: string, results: ResultsFile): void {
  writeAtomic(file, JSON.stringify(results, null, 2) + "\n");
}
