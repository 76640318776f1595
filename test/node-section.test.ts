// The report's "What a node pays" and calibration sections: the reference profile without a kernel suite, this
// report's own fit with one; simulator time labelled apart from what the node pays.
import assert from "node:assert/strict";
import { test } from "node:test";
import { calibrationSection } from "../src/report/calibration-section";
import { nodeSection } from "../src/report/node-section";
import { kernelCases, syncCases } from "./calibrate-fixture";

test("without a kernel suite the section predicts from the checked-in reference profile", () => {
  const body = nodeSection.body(syncCases(), []);
  assert.match(body, /the checked-in reference profile, svcbench reference machine/);
  assert.match(
    body,
    /\| N \| mode \| kube-proxy loop \(est\.\) \| tool \+ kernel \| node pays \| simulator time \(model, not node time\) \|/,
  );
  assert.match(body, /kubernetes#126013/);
  assert.doesNotMatch(body, /### Where iptables' first packet/, "no measured connects: no measured crossover");
  assert.match(body, /\| 1,000 \| nftables \| 1\.00 ms ‡ \|/, "no per-sync counts: the nftables loop is a lower bound");
});

test("with a kernel suite it uses this report's fit, its held-out sizes and crossover, and states the headline", () => {
  const counted = syncCases().map((c) => ({ ...c, svc_ports_visited: c.n, endpoints_categorized: 2 * c.n }));
  const all = [...counted, ...kernelCases()];
  const body = nodeSection.body(all, []);
  assert.match(
    body,
    /\| 1,000 \| nftables \| 1\.00 ms \| [^|]+ \| [^|]+ \| 2\.00 ms \| 1,000 ports visited, 2,000 endpoints categorized \|/,
  );
  assert.match(body, /the profile fitted from this report's kernel suite/);
  assert.doesNotMatch(body, /‡/, "with the counts, no loop is marked a lower bound");
  assert.match(nodeSection.findings(all)[0], /^What a node pays per sync at 10,000 Services × 2 pods/);
  const cal = calibrationSection.body(kernelCases(), []);
  assert.match(cal, /### Held-out sizes/);
  assert.match(cal, /\| iptables-legacy-restore \| first-load \| 2,000 \|/);
  assert.match(cal, /### Where iptables' first packet costs 2× the verdict map's/);
  const findings = calibrationSection.findings(kernelCases());
  assert.ok(
    findings.some((f) => /^Held-out sizes \(N ≥ 1,000\): 42 of 42 predictions within ±25%\.$/.test(f)),
    findings.join("\n"),
  );
  assert.ok(
    findings.some((f) =>
      /^iptables-legacy-restore's first packet reaches 2× the verdict map's at [\d,]+ Services measured, [\d,]+ predicted/.test(
        f,
      ),
    ),
  );
});
