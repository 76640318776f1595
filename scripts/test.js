#!/usr/bin/env node
// npm test: generate src/abi.ts; then, side by side, build the WebAssembly, lint and check the format
// (Biome, biome.json), and type-check the TypeScript while compiling it to dist/ (incrementally:
// dist/.tsbuildinfo), the assembly/ type-check after it; then run every test/*.test.ts as its compiled
// dist/test/*.test.js with node's test runner, two files at a time. Exits with the first failing step's code.
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
const bin = (name) => path.join(ROOT, "node_modules", ".bin", name);

/** Runs a command in the package folder with this process's output; resolves to its exit code. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit" });
    child.on("error", (err) => {
      process.stderr.write(`npm test: cannot run ${cmd}: ${err.message}\n`);
      resolve(1);
    });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Runs the steps one after another, stopping at the first that fails. */
async function inTurn(...steps) {
  for (const step of steps) {
    const code = await step();
    if (code !== 0) return code;
  }
  return 0;
}

/** The compiled test files, one per test/*.test.ts (a stale dist/ file without its source is not run). */
function testFiles() {
  return fs
    .readdirSync(path.join(ROOT, "test"))
    .filter((f) => f.endsWith(".test.ts"))
    .sort()
    .map((f) => path.join("dist", "test", f.replace(/\.ts$/, ".js")));
}

async function main() {
  const node = process.execPath;
  const prepared = await inTurn(() => run(node, ["scripts/abi.js"]));
  if (prepared !== 0) return prepared;
  const codes = await Promise.all([
    run(bin("asc"), ["assembly/index.ts", "--target", "release"]),
    run(bin("biome"), ["check", "--error-on-warnings"]),
    inTurn(
      () => run(bin("tsc"), ["-p", ".", "--incremental", "--tsBuildInfoFile", "dist/.tsbuildinfo"]),
      () => run(bin("tsc"), ["--noEmit", "-p", "assembly"]),
    ),
  ]);
  const failed = codes.find((c) => c !== 0);
  if (failed !== undefined) return failed;
  return run(node, ["--test", "--test-concurrency=2", ...testFiles()]);
}

main().then((code) => {
  process.exitCode = code;
});
