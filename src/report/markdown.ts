// Markdown building blocks for REPORT.md.
import { Fit } from "./fit";
import { CaseResult } from "./results";
import { fmtNs } from "./table";

export function mdTable(headers: string[], rows: (string | number)[][]): string {
  const esc = (v: string | number) => String(v).replace(/\|/g, "\\|");
  return [
    `| ${headers.map(esc).join(" | ")} |`,
    `|${headers.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** N down, one column per impl: median ns (p99 in the JSON). */
export function pivot<C extends CaseResult>(
  cases: readonly C[],
  impls: readonly string[],
  fmt: (c: C | undefined) => string = (c) => fmtNs(c?.median_ns),
): string {
  const sizes = [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);
  return mdTable(
    ["N", ...impls],
    sizes.map((n) => [
      n.toLocaleString("en-US"),
      ...impls.map((i) => fmt(cases.find((c) => c.impl === i && c.n === n))),
    ]),
  );
}

export function fitTable(fits: Fit[]): string {
  return mdTable(
    ["curve", "class", "coefficient (ns)", "RMS", "log-log slope"],
    fits.map((f) => [
      [f.impl, f.scenario, f.batch !== undefined ? `batch ${f.batch}` : undefined].filter(Boolean).join(", "),
      f.class,
      f.coefficient.toPrecision(3),
      `${(f.rms * 100).toFixed(0)}%`,
      f.loglog_slope.toFixed(2),
    ]),
  );
}

/** Time at n for impl, if measured. */
export function at(cases: readonly CaseResult[], impl: string, n: number, scenario?: string): number | undefined {
  return cases.find((c) => c.impl === impl && c.n === n && c.scenario === scenario)?.median_ns;
}

/** Where a ratio r(n) first reaches `level`, interpolated on log-log between measured sizes. */
export function crossing(points: { n: number; r: number }[], level: number): number | undefined {
  const p = [...points].sort((a, b) => a.n - b.n);
  if (p.length > 0 && p[0].r >= level) return p[0].n;
  for (let i = 1; i < p.length; i++) {
    const [a, b] = [p[i - 1], p[i]];
    if (a.r < level && b.r >= level) {
      const f = (Math.log(level) - Math.log(a.r)) / (Math.log(b.r) - Math.log(a.r));
      return Math.exp(Math.log(a.n) + f * (Math.log(b.n) - Math.log(a.n)));
    }
  }
  return undefined;
}

export const num = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
export const x = (r: number) => `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
