// A snapshot from --cluster FILE (JSON or YAML List, "-" for stdin).
import { snapshotFromList, ListOptions } from "./kube-list";
import { parseDoc, readText } from "./read-doc";
import { Snapshot } from "./snapshot";

export function readSnapshot(file: string, opts: ListOptions = {}): Snapshot {
  return snapshotFromList(file, parseDoc(file, readText(file)), opts);
}
