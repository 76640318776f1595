// Writes a generated cluster snapshot as kubectl would print it: npx ts-node scripts/gen-snapshot.ts N E FILE
// (E a count or a COUNT:SHARE,… distribution). The input of svcbench predict's timing runs.
import fs from "node:fs";
import { parseEndpointsFlag, shapeSnapshot, toKubeList } from "../src/snapshot/shape";

const [n, e, file] = process.argv.slice(2);
if (!n || !e || !file) {
  process.stderr.write("usage: ts-node scripts/gen-snapshot.ts SERVICES ENDPOINTS FILE\n");
  process.exit(2);
}
const list = toKubeList(shapeSnapshot(Number(n), parseEndpointsFlag(e)));
// One item a line: a 100k-Service List is larger than one JSON.stringify string comfortably holds.
const fd = fs.openSync(file, "w");
fs.writeSync(fd, '{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[\n');
list.items.forEach((it, i) => fs.writeSync(fd, (i ? ",\n" : "") + JSON.stringify(it)));
fs.writeSync(fd, "\n]}\n");
fs.closeSync(fd);
process.stdout.write(`wrote ${file}: ${list.items.length} items\n`);
