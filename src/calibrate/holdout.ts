// Validation on held-out sizes: each interior measured size is left out of the fit and predicted
// from the others, with the same form.
import { evalPower, fitPower } from "./power-fit";
import { HeldOut, MeasuredPoint } from "./schema";

const xy = (p: MeasuredPoint) => ({ x: p.x, t: p.t_ns });

/** One prediction per interior point (neither the smallest nor the largest x), fitted as fitPower(…, kMax). */
export function leaveOneOut(points: readonly MeasuredPoint[], kMax: number): HeldOut[] {
  const p = [...points].sort((a, b) => a.x - b.x);
  const out: HeldOut[] = [];
  for (let i = 1; i < p.length - 1; i++) {
    const f = fitPower(p.filter((_, j) => j !== i).map(xy), kMax);
    const predicted_ns = evalPower(f, p[i].x);
    out.push({
      n: p[i].n,
      x: p[i].x,
      measured_ns: p[i].t_ns,
      predicted_ns,
      error_pct: (predicted_ns / p[i].t_ns - 1) * 100,
    });
  }
  return out;
}
