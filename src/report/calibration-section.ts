// The calibration profile in REPORT.md: each kernel backend's and step's cost function with its fit
// error, the steps over the time limit against it, each interior size held out and predicted, where
// and why a prediction misses, and the 2× first-packet crossover measured and predicted.
import { crossover, Crossover } from "../calibrate/crossover";
import { ConnectCost, Profile } from "../calibrate/schema";
import {
  boundRows,
  CROSSOVER_TARGET_PCT,
  crossoverTable,
  functionTable,
  HELD_OUT_MIN_N,
  HELD_OUT_TARGET_PCT,
  heldOutTable,
  judged,
  misses,
  missNotes,
  pct,
} from "./calibration-tables";
import { calibration } from "./calibration-source";
import { mdTable, num } from "./markdown";
import { CaseResult } from "./results";
import { ReportSection } from "./section";
import { fmtTime } from "./table";

function crossovers(p: Profile, kernel: CaseResult[]): Crossover[] {
  return ["iptables-legacy-restore", "iptables-nft-restore"].flatMap((b) => {
    const c = crossover(p, kernel, b);
    return c ? [c] : [];
  });
}

const probeSizes = (cs: ConnectCost[]) =>
  [...new Set(cs.flatMap((c) => c.per_rule.map((r) => r.n)))].sort((a, b) => a - b);

/** A block of the body after what came before: a blank line, the sentence that introduces it, a blank line, then what it introduces. */
const block = (lead: string, ...content: string[]) => ["", lead, "", ...content];

export const calibrationSection: ReportSection = {
  suite: "kernel",
  title: "Calibration: the kernel's cost functions, checked on held-out sizes",
  findings(kernel) {
    const p = calibration(kernel).profile;
    if (!p) return [];
    const out: string[] = [];
    const all = p.functions.flatMap(judged),
      miss = misses(p);
    if (all.length > 0)
      out.push(
        `Held-out sizes (N ≥ ${num(HELD_OUT_MIN_N)}): ${all.length - miss.length} of ${all.length} ` +
          `predictions within ±${HELD_OUT_TARGET_PCT}%${miss.length > 0 ? `; misses: ${miss.map(({ f, h }) => `${f.backend} ${f.step} at ${num(h.n)} (${pct(h.error_pct)})`).join(", ")}` : ""}.`,
      );
    for (const x of crossovers(p, kernel)) {
      if (x.measured_n !== undefined && x.predicted_n !== undefined)
        out.push(
          `${x.backend}'s first packet reaches 2× the verdict map's at ${num(x.measured_n)} Services measured, ` +
            `${num(x.predicted_n)} predicted (${pct(x.error_pct)}; target ±${CROSSOVER_TARGET_PCT}%).`,
        );
    }
    return out;
  },
  body(kernel) {
    const p = calibration(kernel).profile!;
    const out = [
      "The same fit as `calibration.json` (`npm run calibrate` rebuilds it from kernel.json). Per backend " +
        "and step, t(x) = a + b·x^k (ns) of what drives the step, fitted by least squares on relative " +
        "residuals (a, b ≥ 0, 0 ≤ k ≤ 3; a lookup that walks no rules is a constant).",
      "",
      functionTable(p),
    ];
    const probes = p.connect.filter((c) => c.per_rule.length > 0);
    const sizes = probeSizes(probes);
    if (probes.length > 0)
      out.push(
        ...block(
          "The connect probe: a connect's fixed cost (a), and what each KUBE-SERVICES rule walked adds at each measured size ((t − a) / rules):",
          mdTable(
            ["backend", "fixed cost", ...sizes.map((n) => `per rule at ${num(n)}`)],
            probes.map((c) => [
              c.backend,
              fmtTime(c.fixed_ns),
              ...sizes.map((n) => {
                const r = c.per_rule.find((x) => x.n === n);
                return r ? `${r.ns.toFixed(1)} ns` : "-";
              }),
            ]),
          ),
        ),
      );
    const bounds = boundRows(p);
    if (bounds.length > 0)
      out.push(
        ...block(
          "Steps over the time limit and loads timed once outside the samples (not fitted), against the profile:",
          mdTable(["backend", "step", "N", "measured", "predicted", "check"], bounds),
        ),
      );
    out.push(
      "",
      "### Held-out sizes",
      "",
      `Each interior size left out of its fit and predicted from the others (target: within ±${HELD_OUT_TARGET_PCT}% at N ≥ ${num(HELD_OUT_MIN_N)}).`,
      "",
      heldOutTable(p),
    );
    const notes = missNotes(p);
    if (notes.length > 0)
      out.push(
        ...block(
          "Where it misses, and why (the form is kept, not widened to fit one run):",
          ...notes.map((s) => `- ${s}`),
        ),
      );
    const xs = crossovers(p, kernel);
    if (xs.length > 0)
      out.push(
        "",
        "### Where iptables' first packet costs 2× the verdict map's",
        "",
        `Measured: the connect probe's ratio (iptables / nftables) between the measured sizes that bracket ` +
          `2, log-log. Predicted: the two connect cost functions solved for the ratio 2 (target ±${CROSSOVER_TARGET_PCT}%).`,
        "",
        crossoverTable(xs),
      );
    return out.join("\n");
  },
  charts: () => [],
};
