// Command-line flags with node:util parseArgs; every bad flag becomes one clear line.
import { parseArgs, ParseArgsConfig } from "node:util";
import { SvcbenchError } from "../core";

/** A usage error: the caller prints its message and exits 2. */
export class UsageError extends SvcbenchError {}

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseFlags(argv: string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (err) {
    const msg = (err as Error).message;
    const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec(msg);
    if (ambiguous)
      throw new UsageError(`${ambiguous[1]} needs a value; write ${ambiguous[1]}=VALUE for one starting with "-"`);
    throw new UsageError(msg.split("\n")[0].replace(/\. To specify a positional argument.*$/, ""));
  }
}

export function intFlag(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

export function numberFlag(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

/** "100,10k,1e5,1M" -> [100, 10000, 100000, 1000000]; sorted, unique. */
export function sizesFlag(name: string, v: string | undefined, dflt: number[], max: number): number[] {
  if (v === undefined) return dflt;
  const sizes = v.split(",").map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kKmM]?)\s*$/.exec(part);
    const n = m ? Number(m[1]) * (m[2] === "" ? 1 : /k/i.test(m[2]) ? 1e3 : 1e6) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new UsageError(
        `--${name} takes whole numbers from 1 to ${max} separated by commas (10k and 1M allowed), got "${part}"`,
      );
    }
    return n;
  });
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function choiceFlag<T extends string>(name: string, v: string | undefined, dflt: T, choices: readonly T[]): T {
  if (v === undefined) return dflt;
  if (!(choices as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${v}"`);
  }
  return v as T;
}

/** Where a command writes: the process's own streams, or a test's buffers. */
export interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}
export interface Io {
  stdout: Out;
  stderr: Out;
}
export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr });

/**
 * Runs main and returns its exit code: a SvcbenchError is one line on stderr (2 for usage, 1 otherwise),
 * never a stack trace.
 */
export async function exitCode(main: () => Promise<void> | void, stderr: Out): Promise<number> {
  try {
    await main();
    return 0;
  } catch (err) {
    if (err instanceof SvcbenchError) {
      stderr.write(`svcbench: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    stderr.write(`svcbench: unexpected failure: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

/** Runs main as the process's command: its exit code becomes the process's. */
export function runMain(main: () => Promise<void> | void): void {
  // A reader that stops early (| head) is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  void exitCode(main, process.stderr).then((code) => {
    process.exitCode = code;
  });
}
