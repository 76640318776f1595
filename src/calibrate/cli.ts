// npm run calibrate: rebuilds calibration.json from an existing kernel.json without measuring again,
// prints each cost function with its fit error and held-out errors, and with --promote makes it the
// checked-in reference profile.
import path from "node:path";
import { parseFlags, runMain } from "../cli/flags";
import { SvcbenchError } from "../core";
import { readResultsFile } from "../report/compare";
import { formatTable, fmtTime } from "../report/table";
import { REFERENCE_PROFILE, writeProfile } from "./load";
import { CALIBRATION_FILE, measuredName, referenceName } from "./naming";
import { buildProfile } from "./profile";
import { Profile } from "./schema";

const HELP = `svcbench calibrate: fit the calibration profile from a kernel.json (no measuring, no root)

Usage: npm run calibrate -- [flags]

Flags:
  --from FILE   the kernel suite's results (default: results/kernel.json)
  --out FILE    where the profile goes (default: ${CALIBRATION_FILE} beside --from)
  --promote     also write it, named as the reference machine's, to ${path.relative(process.cwd(), REFERENCE_PROFILE)}
  -h, --help    this text
`;

const pct = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(0)}%`;

function profileTable(p: Profile): string {
  return formatTable(
    ["backend", "step", "x", "a", "b", "k", "fit rms", "held out (N: error)"],
    p.functions.map((f) => [
      f.backend,
      f.step,
      f.driver,
      fmtTime(f.a_ns),
      f.b.toPrecision(3),
      f.k.toFixed(2),
      `${f.fit_error.rms_pct.toFixed(1)}%`,
      f.held_out.map((h) => `${h.n}: ${pct(h.error_pct)}`).join(", ") || "-",
    ]),
  );
}

runMain(() => {
  const f = parseFlags(process.argv.slice(2), {
    from: { type: "string" },
    out: { type: "string" },
    promote: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    process.stdout.write(HELP);
    return;
  }
  const from = path.resolve(typeof f.from === "string" ? f.from : path.join("results", "kernel.json"));
  const out = path.resolve(typeof f.out === "string" ? f.out : path.join(path.dirname(from), CALIBRATION_FILE));
  const results = readResultsFile(from, "kernel results");
  if (!results.cases.some((c) => c.suite === "kernel"))
    throw new SvcbenchError(`kernel results ${from} hold no kernel suite case`);
  const profile = buildProfile(results, measuredName(results.env));
  writeProfile(out, profile);
  const wrote = [path.relative(process.cwd(), out)];
  if (f.promote === true) {
    writeProfile(REFERENCE_PROFILE, { ...profile, name: referenceName(results.env) });
    wrote.push(path.relative(process.cwd(), REFERENCE_PROFILE));
  }
  process.stdout.write(`${profileTable(profile)}\n\nwrote ${wrote.join(" and ")}\n`);
});
