// Reading and writing a calibration profile. A file that is not JSON, not a profile, or of another
// schema version is refused with one line naming the file and what is wrong.
import fs from "node:fs";
import path from "node:path";
import { errno, firstLine, SvcbenchError } from "../core";
import { writeAtomic } from "../report/results";
import { PACKAGE_ROOT } from "../util/root";
import { CALIBRATION_SCHEMA, FORM, LOOP_MODES, Profile, STEPS } from "./schema";

/** The checked-in profile of svcbench's reference machine, so prediction works without root. */
export const REFERENCE_PROFILE = path.join(PACKAGE_ROOT, "calibration", "reference.json");

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v);

/** What is wrong with a parsed profile, or undefined when it is one this build reads. */
function profileProblem(v: unknown): string | undefined {
  if (!isObj(v)) return "not a JSON object";
  if (v.schema !== CALIBRATION_SCHEMA) {
    return v.schema === undefined
      ? `no "schema" field (expected "${CALIBRATION_SCHEMA}")`
      : `schema "${String(v.schema)}" is not "${CALIBRATION_SCHEMA}", the version this svcbench reads`;
  }
  if (typeof v.name !== "string") return `"name" is not a string`;
  if (!isObj(v.machine) || typeof v.machine.cpu !== "string") return `"machine" lacks its cpu`;
  if (!isObj(v.bytes_per_service)) return `"bytes_per_service" is not an object`;
  if (!Array.isArray(v.functions)) return `"functions" is not a list`;
  if (!Array.isArray(v.connect)) return `"connect" is not a list`;
  for (const [i, f] of v.functions.entries()) {
    const where = `functions[${i}]`;
    if (!isObj(f)) return `${where} is not an object`;
    if (typeof f.backend !== "string") return `${where}.backend is not a string`;
    if (!(STEPS as readonly unknown[]).includes(f.step))
      return `${where}.step "${String(f.step)}" is not one of ${STEPS.join(", ")}`;
    if (f.form !== FORM) return `${where}.form "${String(f.form)}" is not "${FORM}"`;
    for (const key of ["a_ns", "b", "k"] as const)
      if (!finite(f[key]) || (f[key] as number) < 0) return `${where}.${key} is not a number ≥ 0`;
    if (!Array.isArray(f.points) || f.points.some((p) => !isObj(p) || !finite(p.x) || !finite(p.t_ns)))
      return `${where}.points is not a list of {x, t_ns}`;
  }
  return loopProblem(v.loop);
}

/** The loop part is optional (profiles fitted without a sync.json); when present it must be whole. */
function loopProblem(l: unknown): string | undefined {
  if (l === undefined) return undefined;
  if (!isObj(l) || !Array.isArray(l.fits)) return `"loop" lacks its list of fits`;
  for (const [i, f] of l.fits.entries()) {
    const where = `loop.fits[${i}]`;
    if (!isObj(f) || !Object.hasOwn(LOOP_MODES, String(f.mode)))
      return `${where}.mode is not one of ${Object.keys(LOOP_MODES).join(", ")}`;
    for (const key of ["per_port_ns", "per_endpoint_ns", "per_byte_ns"] as const)
      if (!finite(f[key]) || (f[key] as number) < 0) return `${where}.${key} is not a number ≥ 0`;
  }
  return undefined;
}

export function parseProfile(text: string, file: string): Profile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new SvcbenchError(`calibration profile ${file}: not JSON (${firstLine(err)})`);
  }
  const problem = profileProblem(v);
  if (problem) throw new SvcbenchError(`calibration profile ${file}: ${problem}`);
  return v as Profile;
}

export function readProfile(file: string): Profile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new SvcbenchError(`calibration profile ${file}: cannot read it (${errno(err)})`);
  }
  return parseProfile(text, file);
}

export function writeProfile(file: string, p: Profile): void {
  try {
    writeAtomic(file, JSON.stringify(p, null, 2) + "\n");
  } catch (err) {
    throw new SvcbenchError(`calibration profile ${file}: cannot write it (${errno(err)})`);
  }
}
