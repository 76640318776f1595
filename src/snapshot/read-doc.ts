// Reading one JSON or YAML document from a file or "-" (stdin). JSON goes through JSON.parse (fast on a
// 100k-Service List); anything else through the `yaml` package (YAML 1.2, of which JSON is a subset).
import fs from "node:fs";
import YAML from "yaml";
import { errno, firstLine } from "../core";
import { InputError } from "./input-error";

/** The text of FILE, or of stdin for "-"; one line if it cannot be read. */
export function readText(file: string): string {
  try {
    return fs.readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new InputError(file, undefined, undefined, `cannot be read (${errno(err)})`);
  }
}

/** Parses JSON, or YAML when the text is not JSON; malformed text is one line with its position. */
export function parseDoc(file: string, text: string): unknown {
  const t = text.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new InputError(file, undefined, undefined, `malformed JSON: ${firstLine(err)}`);
    }
  }
  let docs: ReturnType<typeof YAML.parseAllDocuments>;
  try {
    docs = YAML.parseAllDocuments(text);
  } catch (err) {
    throw new InputError(file, undefined, undefined, `malformed YAML: ${firstLine(err)}`);
  }
  const list = Array.isArray(docs) ? docs : [docs];
  const bad = list.flatMap((d) => d.errors)[0];
  if (bad) throw new InputError(file, undefined, undefined, `malformed YAML: ${firstLine(bad)}`);
  const values = list.map((d) => d.toJS({ maxAliasCount: 1000 })).filter((v) => v !== null && v !== undefined);
  if (values.length === 0) throw new InputError(file, undefined, undefined, "is empty");
  // Several YAML documents ("---") read as one List of them.
  return values.length === 1 ? values[0] : { apiVersion: "v1", kind: "List", items: values };
}
