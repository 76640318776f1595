// One ABI: src/abi.ts is what scripts/abi.js generates from assembly/ now, and every constant in it has
// the same value in the built module's exports (u32 globals read back as unsigned).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import * as abi from "../src/abi";
import { DEST_FIELDS, SCHEDULERS } from "../src/ipvs";
import { PACKAGE_ROOT } from "../src/util/root";
import { wasm } from "../src/wasm/module";

const generator = require(path.join(PACKAGE_ROOT, "scripts", "abi.js")) as { render(): string; OUT: string };

test("src/abi.ts is current with assembly/ (npm run build regenerates it)", () => {
  assert.equal(fs.readFileSync(generator.OUT, "utf8"), generator.render());
});

test("every shared constant has the same value in the module and on the host", () => {
  const exports = wasm() as unknown as Record<string, WebAssembly.Global | undefined>;
  const names = Object.keys(abi);
  assert.ok(names.length > 50, `${names.length} constants`);
  for (const name of names) {
    const global = exports[name];
    assert.ok(global instanceof WebAssembly.Global, `the module exports ${name}`);
    assert.equal(Number(global.value) >>> 0, (abi as Record<string, number>)[name] >>> 0, name);
  }
});

test("the host's scheduler names and dest fields are in the module's id order", () => {
  const ids = abi as unknown as Record<string, number>;
  assert.deepEqual(
    SCHEDULERS.map((s) => ids[`SCHED_${s.toUpperCase()}`]),
    SCHEDULERS.map((_, i) => i),
  );
  assert.equal(SCHEDULERS.length, abi.SCHED_COUNT);
  assert.deepEqual(
    DEST_FIELDS.map((f) => ids[f.toUpperCase()]),
    DEST_FIELDS.map((_, i) => i),
  );
  assert.equal(DEST_FIELDS.length, abi.DEST_FIELDS);
});
