// Plain-text tables for the terminal: right-aligned columns, one header row.

export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((s, c) => (s ?? "").padStart(widths[c])).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** A time in ns with about three significant digits. */
export function fmtNs(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return "-";
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : 2)}M`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)}k`;
  return ns >= 100 ? ns.toFixed(0) : ns.toFixed(ns >= 10 ? 1 : 2);
}

/** a / b as "×1.23", or "-" when either is missing. */
export function fmtRatio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !(b > 0) || !Number.isFinite(a)) return "-";
  const r = a / b;
  return `×${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}`;
}

/** A duration in ns in the unit a person reads: µs, ms or s, three significant digits. */
export function fmtTime(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return "-";
  return ns >= 1e9
    ? `${(ns / 1e9).toPrecision(3)} s`
    : ns >= 1e6
      ? `${(ns / 1e6).toPrecision(3)} ms`
      : `${(ns / 1e3).toPrecision(3)} µs`;
}
