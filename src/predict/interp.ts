// Log-log interpolation between measured sizes, with the end segments' slopes beyond them: the form
// the kernel measurements support (each tool's cost is a power of the table size over a decade or two).
export interface Curve {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** Points sorted by x, positive only, one per x (the median of repeats), never decreasing. */
export function curve(points: readonly [number, number][]): Curve | undefined {
  const by = new Map<number, number[]>();
  for (const [x, y] of points) if (x > 0 && y > 0 && Number.isFinite(y)) (by.get(x) ?? by.set(x, []).get(x)!).push(y);
  const xs = [...by.keys()].sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const med = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1];
  // A table that grows never makes a tool faster: measured dips (noise) are lifted to the level before.
  const ys: number[] = [];
  for (const x of xs) ys.push(Math.max(med(by.get(x)!), ys.length ? ys[ys.length - 1] : 0));
  return { x: xs, y: ys };
}

export function at(c: Curve, x: number): number {
  const n = c.x.length;
  if (n === 1) return c.y[0];
  if (x <= 0) return c.y[0];
  let i = 0;
  while (i < n - 2 && x > c.x[i + 1]) i++;
  const [x0, x1, y0, y1] = [c.x[i], c.x[i + 1], c.y[i], c.y[i + 1]];
  const slope = Math.log(y1 / y0) / Math.log(x1 / x0);
  // Below the first point: never below zero, and never steeper than linear towards zero.
  return y0 * Math.pow(x / x0, x < x0 ? Math.min(1, Math.max(0, slope)) : slope);
}
