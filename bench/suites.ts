// Every suite the svcbench command can run, in the order it runs them, and every suite file the
// report reads: those suites' and the ones written by their own commands (npm run bench:kernel).
import { lookupSuite } from "./lookup";
import { schedSuite } from "./sched";
import { Suite } from "./suite";
import { syncSuite } from "./sync";

export const SUITES: readonly Suite[] = [lookupSuite, schedSuite, syncSuite];

/** Suites the report shows but `svcbench` does not run: name → results file. */
const REPORT_ONLY_SUITES: Readonly<Record<string, string>> = { kernel: "kernel.json" };

/** Every suite file the report is built from: name → results file in the output folder. */
export const SUITE_FILES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(SUITES.map((s) => [s.name, s.file])),
  ...REPORT_ONLY_SUITES,
};
