// Fits t(x) = a + b·x^k (a, b ≥ 0) to measured points by least squares on relative residuals: for each
// k on a grid (then refined), a and b solve a 2×2 weighted linear system. With fewer than three points
// there is no room for a fixed cost: a = 0 and the line through them in log-log.

interface Xy {
  x: number;
  t: number;
}
interface PowerFit {
  a: number;
  b: number;
  k: number;
  rms: number;
  max: number;
}

export const K_MAX = 3;

const value = (f: Pick<PowerFit, "a" | "b" | "k">, x: number) => f.a + f.b * x ** f.k;

function atK(p: readonly Xy[], k: number, withFixed: boolean): PowerFit {
  // minimise Σ (a·u + b·v − 1)², u = 1/t, v = x^k/t
  let uu = 0,
    uv = 0,
    vv = 0,
    su = 0,
    sv = 0;
  for (const { x, t } of p) {
    const u = 1 / t,
      v = x ** k / t;
    uu += u * u;
    uv += u * v;
    vv += v * v;
    su += u;
    sv += v;
  }
  let a = 0,
    b = sv / vv;
  const det = uu * vv - uv * uv;
  if (withFixed && det > 1e-12 * uu * vv) {
    a = (su * vv - sv * uv) / det;
    b = (uu * sv - uv * su) / det;
    if (a < 0) {
      a = 0;
      b = sv / vv;
    } else if (b < 0) {
      b = 0;
      a = su / uu;
    }
  }
  const rel = p.map(({ x, t }) => value({ a, b, k }, x) / t - 1);
  return {
    a,
    b,
    k,
    rms: Math.sqrt(rel.reduce((s, r) => s + r * r, 0) / rel.length),
    max: Math.max(...rel.map(Math.abs)),
  };
}

/** kMax 0 fits a constant (a cost that does not grow with x, such as a hash lookup's). */
export function fitPower(points: readonly Xy[], kMax = K_MAX): PowerFit {
  const p = points.filter((q) => q.x > 0 && q.t > 0);
  if (p.length === 0) throw new Error("no points to fit");
  if (p.length === 1 || kMax === 0) {
    const c = atK(p, 0, false); // b·x⁰: the constant with the least relative error
    return { ...c, a: c.b, b: 0 };
  }
  const withFixed = p.length >= 3;
  let best = atK(p, 0, withFixed);
  for (let k = 0.01; k <= kMax + 1e-9; k += 0.01) {
    const f = atK(p, k, withFixed);
    if (f.rms < best.rms - 1e-12) best = f;
  }
  // golden-section refinement around the best grid k
  let lo = Math.max(0, best.k - 0.01),
    hi = Math.min(kMax, best.k + 0.01);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 40; i++) {
    const m1 = hi - g * (hi - lo),
      m2 = lo + g * (hi - lo);
    if (atK(p, m1, withFixed).rms < atK(p, m2, withFixed).rms) hi = m2;
    else lo = m1;
  }
  const refined = atK(p, (lo + hi) / 2, withFixed);
  return refined.rms <= best.rms ? refined : best;
}

export const evalPower = value;
