// What every benchmark suite offers the svcbench command. To add a suite, write one that
// implements Suite and list it in SUITES (bench/suites.ts).
import { CaseResult } from "../src/report/results";
import { TrafficOptions } from "../src/workload/traffic";
import { Budget, Progress } from "./harness";

export interface SuiteOptions {
  /** Numbers of Services to sweep; undefined: the suite's default (or full) sizes. */
  sizes?: number[];
  full: boolean;
  seed: number;
  budget: Budget;
  traffic: TrafficOptions;
  /** Runs only the cases whose "suite/impl" matches. */
  filter?: RegExp;
}

/** What a suite's run gives: its cases, and notes for under its table (what could not be measured, and why). */
export interface SuiteRun<C extends CaseResult = CaseResult> {
  cases: C[];
  notes: string[];
}

export interface Suite {
  readonly name: string;
  /** One line for --help. */
  readonly about: string;
  /** The results file it writes in the output folder, e.g. lookup.json. */
  readonly file: string;
  caseCount(o: SuiteOptions): number;
  /**
   * The N of the cases it will report (none: it has no case), known before running: --baseline is
   * checked against them up front (a suite without it is checked only once it has run).
   */
  sizes?(o: SuiteOptions): number[];
  run(o: SuiteOptions, progress: Progress): SuiteRun;
  /** The table printed after the run. */
  table(cases: CaseResult[]): string;
}

/** True when the filter lets "suite/impl" through. */
export function wanted(o: SuiteOptions, suite: string, impl: string): boolean {
  return o.filter === undefined || o.filter.test(`${suite}/${impl}`);
}
