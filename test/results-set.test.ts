// The results set lands whole or not at all: a full disk, a folder in the way, a failure or a signal
// in the middle of the swap leave the old set byte for byte or the new one complete, and nothing else;
// what a killed run left is finished or removed by the next; the output folder is checked first.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { UsageError } from "../src/cli/flags";
import { SvcbenchError } from "../src/core";
import { setEntries } from "../src/report/report";
import { checkEntries, cleanLeftovers, prepareOut, writeSet } from "../src/report/results-set";
import { moduleFile, tsNodeArgs } from "../src/util/root";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-set-"));
const OLD = new Map([
  ["lookup.json", "old lookup\n"],
  ["report.json", "old report\n"],
  ["REPORT.md", "old md\n"],
  ["charts/lookup.svg", "<svg>old</svg>"],
]);
const NEW = new Map([
  ["lookup.json", "new lookup\n"],
  ["sync.json", "new sync\n"],
  ["report.json", "new report\n"],
  ["REPORT.md", "new md\n"],
  ["charts/lookup.svg", "<svg>new</svg>"],
  ["charts/sync.svg", "<svg>sync</svg>"],
]);

/** Every file under dir, relative path → content. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), "utf8"));
    }
  };
  walk("");
  return out;
}

function oldSet(): string {
  const dir = tmp();
  for (const [rel, c] of OLD) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), c);
  }
  fs.writeFileSync(path.join(dir, "kernel.json"), "kept\n");
  return dir;
}
const withKept = (m: Map<string, string>) => new Map([...m, ["kernel.json", "kept\n"]]);
const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => a.localeCompare(b));
const deadPid = () => spawnSync("true").pid!;

test("a new set replaces the old one whole, keeps other files, and leaves nothing behind", async () => {
  const dir = oldSet();
  await writeSet(dir, NEW);
  assert.deepEqual(sorted(tree(dir)), sorted(withKept(NEW)), "charts/ replaced whole, kernel.json kept");
});

test("a folder where a file of the set goes is refused up front, and the old set stays byte for byte", async () => {
  const dir = oldSet();
  fs.rmSync(path.join(dir, "REPORT.md"));
  fs.mkdirSync(path.join(dir, "REPORT.md"));
  fs.writeFileSync(path.join(dir, "REPORT.md", "mine"), "user's");
  const before = tree(dir);
  assert.throws(
    () => checkEntries(dir, setEntries(["lookup.json"])),
    (e: unknown) =>
      e instanceof UsageError &&
      /REPORT\.md is a folder, where the results set puts its REPORT\.md: move it away/.test(e.message),
  );
  await assert.rejects(writeSet(dir, NEW), (e: unknown) => e instanceof SvcbenchError && !e.message.includes("\n"));
  assert.deepEqual(sorted(tree(dir)), sorted(before));
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.startsWith(".")),
    [],
  );
});

test("a failure in the middle of the swap rolls it back: the old set byte for byte, no temp folders", async () => {
  for (const at of [0, 1, 3, 4]) {
    const dir = oldSet();
    const before = tree(dir);
    await assert.rejects(
      writeSet(dir, NEW, {
        beforeSwap: (_e, i) => {
          if (i === at) throw Object.assign(new Error("EIO"), { code: "EIO" });
        },
      }),
      (e: unknown) =>
        e instanceof SvcbenchError &&
        /cannot put the results in place .*: EIO; the results there are unchanged$/.test(e.message),
    );
    assert.deepEqual(sorted(tree(dir)), sorted(before), `failure before entry ${at}`);
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.startsWith(".")),
      [],
    );
  }
});

test("SIGINT, SIGTERM or SIGHUP during the swap: the swap finishes, then exit 128+n", async () => {
  for (const [sig, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    const dir = oldSet();
    const exits: number[] = [];
    await writeSet(dir, NEW, {
      beforeSwap: (_e, i) => {
        if (i === 1) process.kill(process.pid, sig);
      },
      exit: (c) => {
        exits.push(c);
      },
    });
    assert.deepEqual(exits, [code], sig);
    assert.deepEqual(sorted(tree(dir)), sorted(withKept(NEW)), `${sig}: the new set is complete`);
  }
});

test("a real process signalled during the swap writes the whole set and exits 128+n", async () => {
  await Promise.all(
    (
      [
        ["SIGINT", 130],
        ["SIGTERM", 143],
        ["SIGHUP", 129],
      ] as const
    ).map(async ([sig, want]) => {
      const dir = oldSet();
      const script = `
      const { writeSet } = require(${JSON.stringify(moduleFile("src/report/results-set"))});
      const files = new Map(${JSON.stringify([...NEW])});
      writeSet(${JSON.stringify(dir)}, files, { beforeSwap: (e, i) => { if (i === 2) process.kill(process.pid, "${sig}"); } })
        .then(() => { process.stdout.write("returned"); });`;
      const child = spawn(process.execPath, [...tsNodeArgs(), "-e", script], {
        cwd: path.join(__dirname, ".."),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
      assert.equal(code, want, sig);
      assert.equal(stdout, "", "it exits before going on");
      assert.deepEqual(sorted(tree(dir)), sorted(withKept(NEW)), sig);
    }),
  );
});

test("a full disk while writing leaves the old set byte for byte (a 64 KiB tmpfs)", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("needs root to mount a small tmpfs");
  const mnt = tmp();
  const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], { encoding: "utf8" });
  if (m.status !== 0) return t.skip(`cannot mount a tmpfs here: ${m.stderr.trim()}`);
  try {
    const dir = path.join(mnt, "results");
    fs.mkdirSync(dir);
    for (const [rel, c] of OLD) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), c);
    }
    const before = tree(dir);
    const big = new Map([...NEW, ["report.json", "x".repeat(200 * 1024)]]);
    await assert.rejects(
      writeSet(dir, big),
      (e: unknown) => e instanceof SvcbenchError && /: ENOSPC; the results there are unchanged$/.test(e.message),
    );
    assert.deepEqual(sorted(tree(dir)), sorted(before));
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.startsWith(".")),
      [],
    );
    await writeSet(dir, NEW);
    assert.deepEqual(sorted(tree(dir)), sorted(NEW), "once there is room, the set lands");
  } finally {
    spawnSync("umount", [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
});

test("what a dead run left is finished (a complete new folder) or removed, by name and dead pid; a live run's stays", () => {
  const dir = oldSet();
  const [a, b, c] = [deadPid(), deadPid(), deadPid()],
    alive = process.ppid;
  // a: killed mid-swap (report.json already swapped, its old one aside; REPORT.md not yet).
  fs.mkdirSync(path.join(dir, `.svcbench-new-${a}`));
  fs.writeFileSync(path.join(dir, `.svcbench-new-${a}`, "REPORT.md"), "new md\n");
  fs.writeFileSync(path.join(dir, `.svcbench-new-${a}`, ".complete"), "");
  fs.mkdirSync(path.join(dir, `.svcbench-old-${a}`));
  fs.renameSync(path.join(dir, "report.json"), path.join(dir, `.svcbench-old-${a}`, "report.json"));
  fs.writeFileSync(path.join(dir, "report.json"), "new report\n");
  // b: killed while writing its new folder; c: an older version's temp file.
  fs.mkdirSync(path.join(dir, `.svcbench-new-${b}`));
  fs.writeFileSync(path.join(dir, `.svcbench-new-${b}`, "lookup.json"), "half");
  fs.writeFileSync(path.join(dir, `lookup.json.${c}.tmp`), "half");
  fs.mkdirSync(path.join(dir, `.svcbench-new-${alive}`));
  const said = cleanLeftovers(dir);
  assert.equal(said.length, 3, said.join("\n"));
  assert.match(said.join("\n"), new RegExp(`finished the interrupted write of run ${a}`));
  assert.equal(fs.readFileSync(path.join(dir, "REPORT.md"), "utf8"), "new md\n");
  assert.equal(fs.readFileSync(path.join(dir, "report.json"), "utf8"), "new report\n");
  assert.equal(fs.readFileSync(path.join(dir, "lookup.json"), "utf8"), "old lookup\n");
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.startsWith(".") || n.endsWith(".tmp")),
    [`.svcbench-new-${alive}`],
  );
});

test("--out is refused up front, in one line and within a second: empty, a file, under a file, /proc, unwritable", () => {
  const dir = tmp(),
    file = path.join(dir, "f");
  fs.writeFileSync(file, "");
  const cases: [string, RegExp][] = [
    ["", /--out must name a folder, got ""/],
    ["  ", /--out must name a folder/],
    [file, /is not a folder$/],
    [path.join(file, "x", "y"), /is not a folder$/],
    ["/proc/x", /cannot create \/proc\/x: ENOENT$/],
    ["/proc/x/y/z", /cannot create \/proc\/x: ENOENT$/],
    ["/proc", /cannot write in it/],
  ];
  if (process.getuid?.() !== 0) {
    const ro = path.join(dir, "ro");
    fs.mkdirSync(ro, { mode: 0o555 });
    cases.push([ro, /cannot write in it: EACCES/]);
  }
  for (const [out, says] of cases) {
    const t0 = Date.now();
    assert.throws(
      () => prepareOut(out),
      (e: unknown) => e instanceof UsageError && says.test(e.message) && !e.message.includes("\n"),
      out,
    );
    assert.ok(Date.now() - t0 < 1000, `${out}: ${Date.now() - t0} ms`);
  }
  const deep = path.join(dir, "a", "b", "c");
  assert.equal(prepareOut(deep), deep);
  assert.deepEqual(fs.readdirSync(deep), [], "the write probe is gone");
  assert.throws(
    () => prepareOut(path.join(dir, ...Array.from({ length: 40 }, (_, i) => `d${i}`))),
    /more than 32 folders to create/,
  );
});
