// A kube-proxy /metrics scrape (Prometheus text, parsed by parse-prometheus-text-format) reduced to
// the figures a prediction also makes: histogram quantiles as Prometheus' histogram_quantile computes
// them (linear within the bucket), and the rules iptables holds. Metric names: kubernetes
// pkg/proxy/metrics/metrics.go.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { firstLine } from "../core";
import { InputError } from "../snapshot/input-error";
import { readText } from "../snapshot/read-doc";
import { ModePrediction } from "./evaluate";

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[];
}

export interface Observed {
  readonly source: string;
  /** Quantiles in the prediction's units, by ModePrediction field. */
  readonly values: Partial<Record<keyof ModePrediction, number>>;
}

/** histogram_quantile over one histogram's cumulative buckets. */
export function histogramQuantile(q: number, buckets: Record<string, string>): number {
  const b = Object.entries(buckets)
    .map(([le, c]) => [le === "+Inf" ? Infinity : Number(le), Number(c)] as const)
    .sort((x, y) => x[0] - y[0]);
  if (b.length === 0) return NaN;
  const total = b[b.length - 1][1];
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let prevLe = 0,
    prevC = 0;
  for (const [le, c] of b) {
    if (c >= rank) {
      if (le === Infinity) return prevLe; // as Prometheus: the highest finite bound
      return prevLe + (le - prevLe) * (c - prevC > 0 ? (rank - prevC) / (c - prevC) : 0);
    }
    prevLe = le;
    prevC = c;
  }
  return prevLe;
}

const HISTOGRAMS: [string, (keyof ModePrediction)[], number[], number][] = [
  ["kubeproxy_network_programming_duration_seconds", ["npl_p50_s", "npl_p90_s", "npl_p99_s"], [0.5, 0.9, 0.99], 1],
  [
    "kubeproxy_sync_partial_proxy_rules_duration_seconds",
    ["sync_partial_p50_ms", "sync_partial_p99_ms"],
    [0.5, 0.99],
    1000,
  ],
  ["kubeproxy_sync_full_proxy_rules_duration_seconds", ["sync_full_p50_ms", "sync_full_p99_ms"], [0.5, 0.99], 1000],
];

export function readObserved(file: string): Observed {
  let fams: Family[];
  try {
    fams = parsePrometheusTextFormat(readText(file)) as Family[];
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(file, undefined, undefined, `is not Prometheus text format: ${firstLine(err)}`);
  }
  const by = new Map(fams.map((f) => [f.name, f]));
  const values: Observed["values"] = {};
  for (const [name, fields, qs, scale] of HISTOGRAMS) {
    const f = by.get(name);
    const buckets = f?.metrics[0]?.buckets;
    if (f?.type !== "HISTOGRAM" || !buckets) continue;
    qs.forEach((q, i) => {
      const v = histogramQuantile(q, buckets);
      if (Number.isFinite(v)) values[fields[i]] = v * scale;
    });
  }
  const rules = by.get("kubeproxy_sync_proxy_rules_iptables_total");
  if (rules) values.held = rules.metrics.reduce((a, m) => a + Number(m.value ?? 0), 0);
  if (Object.keys(values).length === 0) {
    throw new InputError(
      file,
      undefined,
      undefined,
      "holds none of kube-proxy's kubeproxy_network_programming_duration_seconds, " +
        "kubeproxy_sync_*_proxy_rules_duration_seconds or kubeproxy_sync_proxy_rules_iptables_total",
    );
  }
  return { source: file, values };
}
