// Every suite's part of the report, in the order REPORT.md shows them.
import { calibrationSection } from "./calibration-section";
import { kernelSection } from "./kernel-section";
import { lookupSection } from "./lookup-section";
import { nodeSection } from "./node-section";
import { schedSection } from "./sched-section";
import { ReportSection } from "./section";
import { syncSection } from "./sync-section";

export const SECTIONS: readonly ReportSection[] = [
  nodeSection,
  lookupSection,
  schedSection,
  syncSection,
  kernelSection,
  calibrationSection,
];
