// Where svcbench's files are, whether it runs as TypeScript (ts-node) or compiled to JavaScript in dist/
// (as npm test runs it): the package folder for the files that are not code (the WebAssembly build,
// calibration/, node_modules/), and how to start one of svcbench's own modules in a new node process.
import fs from "node:fs";
import path from "node:path";

/** True when this module is compiled JavaScript (dist/), false under ts-node. */
const COMPILED = path.extname(__filename) === ".js";
/** The folder that holds src/, bench/ and test/ as this process runs them: the package, or dist/ in it. */
const CODE_ROOT = path.join(__dirname, "..", "..");

function packageRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "package.json"))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

/** The svcbench package folder (the one with package.json). */
export const PACKAGE_ROOT = packageRoot(CODE_ROOT);

/** One of svcbench's modules as this process would load it, e.g. moduleFile("bench/kernel/main"). */
export function moduleFile(module: string): string {
  return path.join(CODE_ROOT, `${module}${COMPILED ? ".js" : ".ts"}`);
}

/** node's arguments that run one of svcbench's modules the way this process runs its own (ts-node or not). */
export function nodeArgs(module: string): string[] {
  return [...tsNodeArgs(), moduleFile(module)];
}

/** node's arguments that let a script (node -e) require svcbench's modules: ts-node when they are TypeScript. */
export function tsNodeArgs(): string[] {
  return COMPILED ? [] : ["-r", require.resolve("ts-node/register/transpile-only")];
}
