// The kernel suite's terminal tables: time per step, first-packet connects, model vs kernel slopes.
import { fitCases } from "../../src/report/fit";
import { connectRows, Rows, slopeRows, stepRows } from "../../src/report/kernel-tables";
import { CaseResult } from "../../src/report/results";
import { formatTable } from "../../src/report/table";

const titled = (title: string, r: Rows) => (r.rows.length === 0 ? [] : [`${title}\n${formatTable(r.headers, r.rows)}`]);

export function kernelTable(cases: CaseResult[]): string {
  return [
    ...titled(
      'kernel: median wall time per step (p99 in kernel.json); "> limit": killed at the per-step limit',
      stepRows(cases),
    ),
    ...titled("first packet: TCP connect to the Service whose rule is last in KUBE-SERVICES", connectRows(cases)),
    ...titled(
      "model vs kernel: log-log slope of time over N (1 linear, 2 quadratic)",
      slopeRows(cases, fitCases(cases)),
    ),
  ].join("\n\n");
}
