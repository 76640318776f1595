// Non-negative least squares for a handful of columns: every subset of columns solved by its normal
// equations, the best fit whose coefficients are all ≥ 0 kept (exact for the few columns a cost has).

/** Solves the square system a·x = b by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12) return undefined;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** The x ≥ 0 that minimises Σ (rows[i]·x − t[i])². Columns are scaled to unit norm while solving. */
export function nnls(rows: readonly (readonly number[])[], t: readonly number[]): number[] {
  const k = rows[0]?.length ?? 0;
  const scale = Array.from({ length: k }, (_, j) => Math.hypot(...rows.map((r) => r[j])) || 1);
  const x = rows.map((r) => r.map((v, j) => v / scale[j]));
  let best: { sse: number; coef: number[] } = { sse: t.reduce((s, v) => s + v * v, 0), coef: new Array(k).fill(0) };
  for (let mask = 1; mask < 1 << k; mask++) {
    const cols = [...Array(k).keys()].filter((j) => mask & (1 << j));
    const ata = cols.map((i) => cols.map((j) => x.reduce((s, r) => s + r[i] * r[j], 0)));
    const atb = cols.map((i) => x.reduce((s, r, q) => s + r[i] * t[q], 0));
    const c = solve(ata, atb);
    if (!c || c.some((v) => v < 0)) continue;
    const sse = x.reduce((s, r, q) => s + (cols.reduce((a, j, i) => a + r[j] * c[i], 0) - t[q]) ** 2, 0);
    if (sse < best.sse) {
      const coef = new Array(k).fill(0);
      cols.forEach((j, i) => {
        coef[j] = c[i] / scale[j];
      });
      best = { sse, coef };
    }
  }
  return best.coef;
}
