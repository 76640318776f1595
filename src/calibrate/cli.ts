// npm run calibrate: rebuilds calibration.json from an existing kernel.json without measuring again,
// prints each cost function with its fit error and held-out errors, and with --promote makes it the
// checked-in reference profile.
import fs from "node:fs";
import path from "node:path";
import { parseFlags, runMain } from "../cli/flags";
import { SvcbenchError } from "../core";
import { readResultsFile } from "../report/compare";
import { formatTable, fmtTime } from "../report/table";
import { REFERENCE_PROFILE, writeProfile } from "./load";
import { CALIBRATION_FILE, measuredName, referenceName } from "./naming";
import { fitLoop } from "./loop-fit";
import { buildProfile } from "./profile";
import { LoopCost, Profile } from "./schema";

const HELP = `svcbench calibrate: fit the calibration profile from a kernel.json (no measuring, no root)

Usage: npm run calibrate -- [flags]

Flags:
  --from FILE   the kernel suite's results (default: results/kernel.json)
  --sync FILE   the sync suite's results, to fit kube-proxy's loop per mode (default: sync.json beside
                --from; skipped with a note when that default is absent)
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

const ns = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));

function loopTable(l: LoopCost): string {
  return formatTable(
    ["loop mode", "cases", "ns/port", "ns/endpoint", "ns/byte", "fit rms", "held out (N: rms, worst)"],
    l.fits.map((f) => [
      f.mode,
      String(f.cases),
      ns(f.per_port_ns),
      ns(f.per_endpoint_ns),
      ns(f.per_byte_ns),
      `${f.fit_error.rms_pct.toFixed(0)}%`,
      f.held_out.map((h) => `${h.n}: ${h.rms_pct.toFixed(0)}%, ${pct(h.max_pct)}`).join("; ") || "-",
    ]),
  );
}

runMain(() => {
  const f = parseFlags(process.argv.slice(2), {
    from: { type: "string" },
    out: { type: "string" },
    promote: { type: "boolean" },
    sync: { type: "string" },
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
  const syncFile = path.resolve(typeof f.sync === "string" ? f.sync : path.join(path.dirname(from), "sync.json"));
  let loop: LoopCost | undefined;
  if (typeof f.sync === "string" || fs.existsSync(syncFile)) {
    const sync = readResultsFile(syncFile, "sync results");
    loop = fitLoop(sync.cases, {
      file: path.relative(process.cwd(), syncFile),
      date: sync.env.date,
      commit: sync.env.commit,
    });
    if (!loop) throw new SvcbenchError(`sync results ${syncFile} hold no sync case with its loop's work counted`);
  }
  const profile = { ...buildProfile(results, measuredName(results.env)), ...(loop && { loop }) };
  writeProfile(out, profile);
  const wrote = [path.relative(process.cwd(), out)];
  if (f.promote === true) {
    writeProfile(REFERENCE_PROFILE, { ...profile, name: referenceName(results.env) });
    wrote.push(path.relative(process.cwd(), REFERENCE_PROFILE));
  }
  const loopText = loop
    ? `kube-proxy's loop, fitted from ${loop.source.file} (simulator V8 time of the model's sync, an estimate of kube-proxy's Go loop, which is not measured; held out: each size predicted from the others):\n${loopTable(loop)}`
    : `kube-proxy's loop: no ${path.relative(process.cwd(), syncFile)}, not fitted (predict then assumes its costs)`;
  process.stdout.write(`${profileTable(profile)}\n\n${loopText}\n\nwrote ${wrote.join(" and ")}\n`);
});
