// What each suite contributes to REPORT.md and charts/. To add one, list it in SECTIONS (src/report/sections.ts).
import { ChartSpec } from "./charts";
import { Fit } from "./fit";
import { CaseResult } from "./results";

export interface ReportSection {
  suite: string;
  /** Other suites whose cases and fits it reads too (the kernel section sets the model's beside the kernel's). */
  related?: readonly string[];
  title: string;
  /** Sentences that state what was found, with their numbers. */
  findings(cases: CaseResult[]): string[];
  /** Tables and notes in Markdown. */
  body(cases: CaseResult[], fits: Fit[]): string;
  charts(cases: CaseResult[]): ChartSpec[];
}
