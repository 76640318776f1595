// The power fit t = a + b·x^k, its held-out predictions, and the 2× first-packet crossover.
import assert from "node:assert/strict";
import { test } from "node:test";
import { measuredCrossover, solveCrossover } from "../src/calibrate/crossover";
import { leaveOneOut } from "../src/calibrate/holdout";
import { evalPower, fitPower } from "../src/calibrate/power-fit";
import { buildProfile } from "../src/calibrate/profile";
import { kernelCases, kernelResults, RULES_PER_SERVICE, TRUE } from "./calibrate-fixture";

const near = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got / want - 1) <= rel, `${what}: ${got} vs ${want}`);

test("a fit through exact a + b·x^k recovers the curve and predicts an unseen x", () => {
  const { a, b, k } = TRUE.load;
  const xs = [9e4, 9e5, 1.8e6, 4.5e6, 9e6];
  const fit = fitPower(xs.map((x) => ({ x, t: a + b * x ** k })));
  near(fit.k, k, 0.01, "k");
  assert.ok(fit.rms < 0.002, `rms ${fit.rms}`);
  near(evalPower(fit, 3e7), a + b * 3e7 ** k, 0.02, "beyond the measured range");
});

test("two points leave no room for a fixed cost; kMax 0 fits a constant", () => {
  const two = fitPower([
    { x: 10, t: 100 },
    { x: 1000, t: 10000 },
  ]);
  assert.equal(two.a, 0);
  near(two.k, 1, 1e-3, "k through two points");
  const flat = fitPower(
    [
      { x: 1, t: 38 },
      { x: 10, t: 40 },
      { x: 100, t: 42 },
    ],
    0,
  );
  assert.equal(flat.k, 0);
  assert.equal(flat.b, 0);
  assert.ok(flat.a > 38 && flat.a < 42);
});

test("leave-one-out predicts each interior point of an exact curve and none of the ends", () => {
  const pts = [1, 10, 20, 50, 100].map((n) => ({ n, x: n * 1000, t_ns: 5e6 + 0.5 * (n * 1000) ** 1.2 }));
  const held = leaveOneOut(pts, 3);
  assert.deepEqual(
    held.map((h) => h.n),
    [10, 20, 50],
  );
  for (const h of held) assert.ok(Math.abs(h.error_pct) < 2, `${h.n}: ${h.error_pct}%`);
  // a bent curve (the slope rises) is missed, and the miss is reported, not hidden
  const bent = [1, 10, 20, 50, 100].map((n) => ({ n, x: n, t_ns: n < 20 ? 1000 * n : 1000 * n * (n / 20) ** 2 }));
  assert.ok(leaveOneOut(bent, 3).some((h) => Math.abs(h.error_pct) > 25));
});

test("the 2× crossover: solved from the connect functions and interpolated from the measured ratios", () => {
  const p = buildProfile(kernelResults(), "test");
  const ipt = p.functions.find((f) => f.backend === "iptables-legacy-restore" && f.step === "connect")!;
  const nft = p.functions.find((f) => f.backend === "nft-f" && f.step === "connect")!;
  assert.equal(nft.driver, "services");
  const want = (2 * TRUE.map - TRUE.connect.a) / TRUE.connect.b / RULES_PER_SERVICE;
  near(solveCrossover(ipt, nft, p.rules_per_service!)!, want, 0.02, "predicted");
  near(measuredCrossover(kernelCases(), "iptables-legacy-restore")!, want, 0.1, "measured (log-log between 1k and 2k)");
  assert.equal(solveCrossover({ ...ipt, b: 0 }, nft, 1), undefined, "a flat iptables never reaches 2×");
});
