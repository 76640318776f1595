// The kernel suite's tables as rows, shared by the terminal (bench/kernel/table.ts) and REPORT.md
// (kernel-section.ts): time per step by N and loader, first-packet connect latency by N, and the
// model-vs-kernel table: for each change in each kube-proxy mode, the log-log slope of the model's
// curve beside each loader's.
import {
  CaseResult,
  casesOf,
  KERNEL_BACKENDS,
  KERNEL_STEPS,
  KernelBackend,
  KernelCase,
  KernelScenario,
  KernelStep,
  ModelImpl,
  MODEL_IMPLS,
  SyncScenario,
} from "./cases";
import { ProxyMode } from "../modes";
import { Fit } from "./fit";
import { fmtTime } from "./table";

/** The endpoints per Service of the sync suite's curves set beside the kernel's. */
const E = 2;

export interface Rows {
  headers: string[];
  rows: string[][];
}

export const sizesOf = (cases: readonly { n: number }[]) => [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);
export const kernelCase = (cases: KernelCase[], impl: KernelBackend | ModelImpl, scenario: KernelScenario, n: number) =>
  cases.find((c) => c.impl === impl && c.scenario === scenario && c.n === n);
export const overLimit = (c: KernelCase | undefined) => c?.over_limit === true;

/** A case's median; over the limit "> limit", with the untimed load's time when one was made. */
export function cell(c: KernelCase | undefined): string {
  if (!c) return "-";
  if (!overLimit(c)) return fmtTime(c.median_ns);
  const untimed = c.untimed_load_ns !== undefined ? ` (untimed ${fmtTime(c.untimed_load_ns)})` : "";
  return `> ${fmtTime(c.limit_ns ?? c.median_ns)}${untimed}`;
}

/** Median time per step: one row per scenario and N, one column per loader and model. */
export function stepRows(all: CaseResult[]): Rows {
  const cases = casesOf(all, "kernel").filter((c) => c.scenario !== "connect");
  const impls = [...KERNEL_BACKENDS, ...MODEL_IMPLS].filter((i) => cases.some((c) => c.impl === i));
  const rows = KERNEL_STEPS.flatMap((sc) =>
    sizesOf(cases.filter((c) => c.scenario === sc)).map((n) => [
      sc,
      n.toLocaleString("en-US"),
      ...impls.map((i) => cell(kernelCase(cases, i, sc, n))),
    ]),
  );
  return { headers: ["scenario", "N", ...impls], rows };
}

/** First-packet connects: median and p99 per ruleset, and the rules walked before the probe's. */
export function connectRows(all: CaseResult[]): Rows {
  const cases = casesOf(all, "kernel").filter((c) => c.scenario === "connect");
  const impls = KERNEL_BACKENDS.filter((i) => cases.some((c) => c.impl === i));
  const bpfNft = impls.includes("bpf-sock-lb") && impls.includes("nft-f");
  const rows = sizesOf(cases).map((n) => {
    const before = cases.find((c) => c.n === n && c.rules_before !== undefined)?.rules_before;
    const b = kernelCase(cases, "bpf-sock-lb", "connect", n),
      v = kernelCase(cases, "nft-f", "connect", n);
    return [
      n.toLocaleString("en-US"),
      ...impls.map((i) => {
        const c = kernelCase(cases, i, "connect", n);
        return c ? `${fmtTime(c.median_ns)} / ${fmtTime(c.p99_ns)}` : "-";
      }),
      before === undefined ? "-" : before.toLocaleString("en-US"),
      ...(bpfNft ? [b && v ? (b.median_ns / v.median_ns).toFixed(2) : "-"] : []),
    ];
  });
  return {
    headers: [
      "N",
      ...impls.map((i) => `${i} median / p99`),
      "KUBE-SERVICES rules before",
      ...(bpfNft ? ["bpf / nft"] : []),
    ],
    rows,
  };
}

interface Pairing {
  change: string;
  mode: string;
  scenario: KernelStep;
  model?: ModelImpl;
  /** The sync suite's curve of the same change: impl and scenario. */
  sync?: [ProxyMode, SyncScenario];
  kernel: readonly KernelBackend[];
}

/** The change without its parenthesis, for prose and chart labels. */
export const changeName = (p: Pairing) => p.change.replace(/ \(.*\)$/, "");

const IPT = ["iptables-legacy-restore", "iptables-nft-restore"] as const;
export const PAIRINGS: readonly Pairing[] = [
  { change: "first load", mode: "iptables", scenario: "first-load", model: "model-iptables-full", kernel: IPT },
  {
    change: "full resync (one more pod)",
    mode: "iptables-full",
    scenario: "full-resync",
    model: "model-iptables-full",
    sync: ["iptables-full", "add-pod"],
    kernel: IPT,
  },
  {
    change: "partial resync (one more pod)",
    mode: "iptables-partial",
    scenario: "partial-resync",
    model: "model-iptables-partial",
    sync: ["iptables-partial", "add-pod"],
    kernel: IPT,
  },
  {
    change: "a new Service",
    mode: "iptables-partial",
    scenario: "add-service",
    model: "model-iptables-partial",
    sync: ["iptables-partial", "create-service"],
    kernel: IPT,
  },
  { change: "first load", mode: "nftables", scenario: "first-load", model: "model-nftables", kernel: ["nft-f"] },
  {
    change: "a new Service",
    mode: "nftables",
    scenario: "add-service",
    model: "model-nftables",
    sync: ["nftables", "create-service"],
    kernel: ["nft-f"],
  },
  { change: "a Service deleted", mode: "nftables", scenario: "delete-service", kernel: ["nft-f"] },
  { change: "first load", mode: "ebpf", scenario: "first-load", model: "model-ebpf", kernel: ["bpf-sock-lb"] },
  {
    change: "a new Service",
    mode: "ebpf",
    scenario: "add-service",
    model: "model-ebpf",
    sync: ["ebpf", "create-service"],
    kernel: ["bpf-sock-lb"],
  },
  { change: "a Service deleted", mode: "ebpf", scenario: "delete-service", kernel: ["bpf-sock-lb"] },
];

export interface Slope {
  slope: number;
  /** The largest N the fit reached, when a larger one was over the limit. */
  upTo?: number;
}

/** The log-log slope of one curve; for a kernel curve, how far it got before the limit. */
export function slopeOf(
  cases: CaseResult[],
  fits: Fit[],
  suite: "kernel" | "sync",
  impl: string,
  scenario: string,
): Slope | undefined {
  const f = fits.find(
    (x) => x.suite === suite && x.impl === impl && x.scenario === scenario && (suite !== "sync" || x.endpoints === E),
  );
  if (!f) return undefined;
  const curve = cases.filter((c) => c.suite === suite && c.impl === impl && c.scenario === scenario);
  const over = curve.some((c) => c.suite === "kernel" && overLimit(c));
  return {
    slope: f.loglog_slope,
    ...(over && { upTo: Math.max(...curve.filter((c) => c.suite !== "kernel" || !overLimit(c)).map((c) => c.n)) }),
  };
}

const fmtN = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
export const fmtSlope = (s: Slope | undefined) =>
  s === undefined ? "-" : `${s.slope.toFixed(2)}${s.upTo !== undefined ? ` (N ≤ ${fmtN(s.upTo)})` : ""}`;

/** The sync suite's N range, for the column that shows its slopes. */
export function syncRange(all: CaseResult[]): string | undefined {
  const ns = sizesOf(casesOf(all, "sync").filter((c) => c.endpoints === E));
  return ns.length < 2 ? undefined : `${fmtN(ns[0])}–${fmtN(ns[ns.length - 1])}`;
}

/** Model vs kernel: per change and mode, the slope of the model (this run; the sync suite's) and of each loader. */
export function slopeRows(all: CaseResult[], fits: Fit[]): Rows {
  const range = syncRange(all);
  const rows = PAIRINGS.map((p) => [
    p.change,
    p.mode,
    p.model ? fmtSlope(slopeOf(all, fits, "kernel", p.model, p.scenario)) : "-",
    ...(range ? [p.sync ? fmtSlope(slopeOf(all, fits, "sync", p.sync[0], p.sync[1])) : "-"] : []),
    ...KERNEL_BACKENDS.map((k) => (p.kernel.includes(k) ? fmtSlope(slopeOf(all, fits, "kernel", k, p.scenario)) : "")),
  ]);
  return {
    headers: [
      "change",
      "kube-proxy mode",
      "model, this run",
      ...(range ? [`model, sync.json (N ${range})`] : []),
      ...KERNEL_BACKENDS,
    ],
    rows,
  };
}
