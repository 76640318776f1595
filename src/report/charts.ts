// SVG charts rendered headless with vega-lite + vega: a declarative spec per chart, no hand-drawn SVG.
// vega and vega-lite are ES modules; they are loaded with import() from this CommonJS package.

export type Row = Record<string, string | number>;

export interface ChartSpec {
  /** File name under charts/, e.g. lookup.svg. */
  file: string;
  title: string;
  /** A vega-lite unit or layered spec, without data. */
  spec: Record<string, unknown>;
  rows: Row[];
}

/** A log-log line chart: one line per series. */
export function logLogLines(
  file: string,
  title: string,
  rows: Row[],
  x: { field: string; title: string },
  y: { field: string; title: string },
  series: string,
  facet?: string,
): ChartSpec {
  const encoding = {
    x: { field: x.field, type: "quantitative", title: x.title, scale: { type: "log" }, axis: { format: "~s" } },
    y: { field: y.field, type: "quantitative", title: y.title, scale: { type: "log" }, axis: { format: "~s" } },
    color: { field: series, type: "nominal", title: series },
    tooltip: [{ field: series }, { field: x.field }, { field: y.field, format: ".3~s" }],
  };
  const unit = { mark: { type: "line", point: true }, encoding, width: 420, height: 280 };
  const spec = facet ? { facet: { field: facet, type: "nominal", title: facet }, columns: 3, spec: unit } : unit;
  return { file, title, spec, rows };
}

/** Median ns per step against the number of Services, log-log, one line per impl; no chart without rows. */
export function nsOverServices(file: string, title: string, rows: Row[], per: string, facet?: string): ChartSpec[] {
  return rows.length === 0
    ? []
    : [
        logLogLines(
          file,
          title,
          rows,
          { field: "n", title: "Services (N)" },
          { field: "ns", title: `ns per ${per} (median)` },
          "impl",
          facet,
        ),
      ];
}

/** Horizontal bars, one per category, optionally grouped by colour. */
export function bars(
  file: string,
  title: string,
  rows: Row[],
  value: { field: string; title: string },
  category: string,
  group?: string,
): ChartSpec {
  const encoding: Record<string, unknown> = {
    y: { field: category, type: "nominal", title: category, sort: null, axis: { labelLimit: 320 } },
    x: { field: value.field, type: "quantitative", title: value.title },
    tooltip: [{ field: category }, { field: value.field, format: ".3~r" }],
  };
  if (group) {
    encoding.color = { field: group, type: "nominal", title: group };
    encoding.yOffset = { field: group };
  }
  return { file, title, spec: { mark: "bar", encoding, width: 420 }, rows };
}

/** The SVG text of one chart. */
export async function renderSvg(chart: ChartSpec): Promise<string> {
  const vega = await import("vega");
  const vl = await import("vega-lite");
  const full = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: chart.title,
    data: { values: chart.rows },
    config: { font: "sans-serif", view: { stroke: null }, legend: { labelLimit: 320 } },
    ...chart.spec,
  };
  const compiled = vl.compile(full as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
