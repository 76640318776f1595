// What kernel runs create is recorded before it is created, whatever its kind: the run removes it
// (newest first), and a later run removes what a dead run's journal lists. Cgroup folders and BPF pins
// stand in here as plain folders and files, which is how they are removed (rmdir, unlink).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cleanDeadRuns, heldResources, journalDir, record, removeAll } from "../bench/kernel/resources";

// Journals go to a folder of this test's own (read at each call).
process.env.SVCBENCH_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-run-"));

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-res-"));

test("a recorded cgroup and temporary folder are journaled before they exist and removed with the run", () => {
  const dir = tmp(),
    cgroup = path.join(dir, "svcbench-cg"),
    pin = path.join(dir, "svcbench-obj");
  record({ kind: "cgroup", name: cgroup });
  record({ kind: "dir", name: pin });
  const journal = fs.readFileSync(path.join(journalDir(), `kernel-${process.pid}.jsonl`), "utf8");
  assert.match(journal, /"kind":"cgroup"[\s\S]*"kind":"dir"/, "in the journal before anything was made");
  fs.mkdirSync(cgroup);
  fs.mkdirSync(pin);
  fs.writeFileSync(path.join(pin, "sock_lb.o"), "");
  removeAll();
  assert.equal(fs.existsSync(cgroup), false);
  assert.equal(fs.existsSync(pin), false);
  assert.deepEqual(heldResources(), []);
  assert.equal(
    fs.existsSync(path.join(journalDir(), `kernel-${process.pid}.jsonl`)),
    false,
    "a clean end leaves no journal",
  );
});

test("a dead run's journal: what it made and did not remove goes, in one line; a live run's journal stays", () => {
  const dir = tmp(),
    dead = spawnSync("true").pid!,
    alive = process.ppid;
  const kept = path.join(dir, "removed-already"),
    cg = path.join(dir, "cg"),
    pin = path.join(dir, "pin");
  fs.mkdirSync(cg);
  fs.mkdirSync(pin);
  fs.mkdirSync(kept);
  const line = (op: string, kind: string, name: string) => JSON.stringify({ op, kind, name });
  fs.writeFileSync(
    path.join(journalDir(), `kernel-${dead}.jsonl`),
    [
      line("add", "cgroup", kept),
      line("add", "cgroup", cg),
      line("del", "cgroup", kept),
      line("add", "dir", pin),
      '{"op":"add","ki',
    ].join("\n"),
  );
  fs.writeFileSync(path.join(journalDir(), `kernel-${alive}.jsonl`), line("add", "cgroup", kept) + "\n");
  const said = cleanDeadRuns().filter((l) => l.includes(` ${dead} `));
  assert.deepEqual(said, [`removed what the dead run ${dead} left: cgroup ${cg}, dir ${pin}`]);
  assert.equal(fs.existsSync(cg), false);
  assert.equal(fs.existsSync(pin), false);
  assert.equal(fs.existsSync(kept), true, "what the dead run had removed, and a live run's, are not touched");
  assert.deepEqual(
    fs.readdirSync(journalDir()).filter((f) => f !== `kernel-${process.pid}.jsonl`),
    [`kernel-${alive}.jsonl`],
  );
});
