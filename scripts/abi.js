// Writes src/abi.ts from the constants of assembly/ that the host shares with the WebAssembly module
// (result codes, out codes, table sizes, batch columns, dest fields, scheduler ids), so that both
// sides have one definition. Run by npm run build; test/abi.test.ts checks the file is current and
// that the module's exported values agree with it.
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
const OUT = path.join(ROOT, "src", "abi.ts");
/** The files whose exported u32 / i32 constants make the ABI, in the order src/abi.ts lists them. */
const SOURCES = [
  "assembly/common.ts",
  "assembly/batch.ts",
  "assembly/service.ts",
  "assembly/dest.ts",
  "assembly/sched/dispatch.ts",
  "assembly/sched/dh.ts",
  "assembly/sched/sh.ts",
  "assembly/sched/mh.ts",
];
const DECL = /^(export )?const (\w+): (?:u32|i32) = ([^;]+);/;

/** [{ file, name, value }] of every exported constant of SOURCES. */
function constants() {
  const out = [];
  for (const file of SOURCES) {
    const scope = {};
    for (const line of fs.readFileSync(path.join(ROOT, file), "utf8").split("\n")) {
      const m = DECL.exec(line);
      if (!m) continue;
      const [, exported, name, expr] = m;
      let value;
      try {
        value = new Function(...Object.keys(scope), `return (${expr});`)(...Object.values(scope));
      } catch (err) {
        if (!exported) continue; // a file-local constant built from what this script does not read
        throw err;
      }
      if (!Number.isInteger(value)) throw new Error(`${file}: ${name} = ${expr} is not a whole number`);
      scope[name] = value;
      if (exported) out.push({ file, name, value });
    }
  }
  return out;
}

function render() {
  const lines = [
    "// Generated from assembly/ by scripts/abi.js (npm run build): the constants the host shares with the",
    "// WebAssembly module, each as its assembly/ file defines it. Do not edit; test/abi.test.ts checks it.",
  ];
  let file = "";
  for (const c of constants()) {
    if (c.file !== file) lines.push(`// ${(file = c.file)}`);
    lines.push(`export const ${c.name} = ${c.value > 0xffff ? `0x${c.value.toString(16)}` : c.value};`);
  }
  return lines.join("\n") + "\n";
}

module.exports = { constants, render, OUT };

if (require.main === module) {
  const text = render();
  if (!fs.existsSync(OUT) || fs.readFileSync(OUT, "utf8") !== text) fs.writeFileSync(OUT, text);
}
