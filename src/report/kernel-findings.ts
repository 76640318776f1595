// The kernel suite's findings in REPORT.md: the first load at the largest N, curves that grow faster
// than N, partial resyncs, nft's per-Service change, the first-packet connects, nft's verdict map
// against the BPF hash map, and how often the kernel's growth with N matches the model's.
import { CaseResult, casesOf, KERNEL_BACKENDS, KERNEL_STEPS, KernelBackend, KernelCase, KernelStep } from "./cases";
import { cell, changeName, kernelCase, overLimit, PAIRINGS, slopeOf, sizesOf } from "./kernel-tables";
import { fitCases } from "./fit";
import { num, x } from "./markdown";
import { fmtTime } from "./table";

const list = (parts: (string | undefined)[]) => {
  const p = parts.filter((s): s is string => s !== undefined);
  return p.length <= 1 ? p.join("") : `${p.slice(0, -1).join(", ")} and ${p[p.length - 1]}`;
};
const mb = (bytes: number | undefined) => `${((bytes ?? NaN) / 1e6).toFixed(1)} MB`;

function loadFinding(k: KernelCase[], n: number): string | undefined {
  const at = (impl: KernelCase["impl"]) => kernelCase(k, impl, "first-load", n);
  const parts = KERNEL_BACKENDS.map(
    (i) => at(i) && `${cell(at(i))} with ${SHORT[i] === "nft -f" || SHORT[i] === "bpftool batch" ? SHORT[i] : i}`,
  );
  if (parts.every((p) => p === undefined)) return undefined;
  const ipt = at("iptables-legacy-restore") ?? at("iptables-nft-restore"),
    nft = at("nft-f");
  const size = list([
    ipt && `${mb(ipt.text_bytes)} of iptables-restore text`,
    nft && `${mb(nft.text_bytes)} of nft commands`,
  ]);
  const mi = at("model-iptables-full"),
    mn = at("model-nftables");
  const model =
    mi && mn
      ? `; the model's first syncs take ${fmtTime(mi.median_ns)} (iptables) and ${fmtTime(mn.median_ns)} (nftables), render and model kernel included`
      : "";
  return `Loading the first ruleset of ${num(n)} Services × 2 pods (${size}) into a fresh namespace takes ${list(parts)}${model}.`;
}

/**
 * Kernel curves whose last step grows faster than N (local log-log slope of the two largest sizes in the
 * limit ≥ 1.4).
 */
function superlinear(k: KernelCase[], fits: ReturnType<typeof fitCases>): string[] {
  const out: string[] = [];
  for (const impl of KERNEL_BACKENDS) {
    for (const sc of KERNEL_STEPS) {
      const curve = k.filter((c) => c.impl === impl && c.scenario === sc).sort((a, b) => a.n - b.n);
      const [a, b] = curve.filter((c) => !overLimit(c)).slice(-2);
      if (!a || !b) continue;
      const local = Math.log(b.median_ns / a.median_ns) / Math.log(b.n / a.n);
      if (!(local >= 1.4)) continue;
      const f = fits.find((x) => x.suite === "kernel" && x.impl === impl && x.scenario === sc);
      const over = curve.find(overLimit);
      const untimed =
        over?.untimed_load_ns !== undefined
          ? `; a load made untimed took ${fmtTime(over.untimed_load_ns)} (${x(over.untimed_load_ns / b.median_ns)} for ${x(over.n / b.n)} the Services)`
          : "";
      out.push(
        `${impl} ${sc} grows faster than N: ${fmtTime(a.median_ns)} at ${num(a.n)} Services, ` +
          `${fmtTime(b.median_ns)} at ${num(b.n)} (${x(b.median_ns / a.median_ns)} for ${x(b.n / a.n)} the ` +
          `Services, local log-log slope ${local.toFixed(2)}${f ? `; ${f.loglog_slope.toFixed(2)} fitted over all sizes` : ""})` +
          (over ? `, over the ${fmtTime(over.limit_ns ?? over.median_ns)} limit at ${num(over.n)}${untimed}.` : "."),
      );
    }
  }
  return out;
}

function resyncFinding(k: KernelCase[], n: number): string | undefined {
  const parts = (["iptables-legacy-restore", "iptables-nft-restore"] as const).map((i) => {
    const p = kernelCase(k, i, "partial-resync", n),
      f = kernelCase(k, i, "full-resync", n);
    return p && f ? `${cell(p)} with ${i} (full resync: ${cell(f)})` : undefined;
  });
  if (parts.every((p) => p === undefined)) return undefined;
  return `One more pod behind one of ${num(n)} Services: a partial resync (MinimizeIPTablesRestore) takes ${list(parts)}; it still rewrites KUBE-SERVICES whole, so it too grows with N.`;
}

function nftFinding(k: KernelCase[], n: number): string | undefined {
  const add = kernelCase(k, "nft-f", "add-service", n),
    del = kernelCase(k, "nft-f", "delete-service", n),
    first = kernelCase(k, "nft-f", "first-load", n);
  if (!add || !del || !first || overLimit(add) || overLimit(del)) return undefined;
  const vs = overLimit(first)
    ? `while the first load is ${cell(first)}`
    : `${x(first.median_ns / add.median_ns)} less than the first load (${cell(first)})`;
  return `With nft, one new Service at ${num(n)} Services (its chains, rules and verdict-map elements, one transaction) takes ${fmtTime(add.median_ns)}, ${vs}; deleting one (elements, then its chains a sync later) takes ${fmtTime(del.median_ns)}.`;
}

function connectFinding(all: CaseResult[]): string | undefined {
  const k = casesOf(all, "kernel").filter((c) => c.scenario === "connect");
  const ns = sizesOf(k);
  if (ns.length < 2) return undefined;
  const [lo, hi] = [ns[0], ns[ns.length - 1]];
  const parts = KERNEL_BACKENDS.map((i) => {
    const a = kernelCase(k, i, "connect", lo),
      b = kernelCase(k, i, "connect", hi);
    if (!a || !b) return undefined;
    const rules = a.rules_before !== undefined && b.rules_before !== undefined ? b.rules_before - a.rules_before : 0;
    const per = rules > 0 ? `, ≈ ${((b.median_ns - a.median_ns) / rules).toFixed(0)} ns per rule walked` : "";
    return `${fmtTime(b.median_ns)} vs ${fmtTime(a.median_ns)} through ${i === "nft-f" ? "the nftables verdict map" : i === "bpf-sock-lb" ? "the BPF socket LB's hash map" : `${i} rules`}${per}`;
  });
  const before =
    kernelCase(k, "iptables-legacy-restore", "connect", hi)?.rules_before ??
    kernelCase(k, "iptables-nft-restore", "connect", hi)?.rules_before;
  const scan = casesOf(all, "lookup")
    .filter((c) => c.impl === "chain-scalar" && c.scenario === undefined)
    .sort((a, b) => b.n - a.n)[0];
  const model = scan
    ? ` The model's scalar scan of KUBE-SERVICES costs ${(scan.median_ns / scan.n).toFixed(2)} ns per rule (lookup suite, ${num(scan.n)} rules).`
    : "";
  return `First packet: a TCP connect to the Service whose rule sits last in KUBE-SERVICES${before !== undefined ? ` (${num(before)} rules before it at ${num(hi)} Services)` : ""} takes, at ${num(hi)} vs ${num(lo)} Services, ${list(parts)}.${model}`;
}

const SHORT: Record<KernelBackend, string> = {
  "iptables-legacy-restore": "legacy",
  "iptables-nft-restore": "iptables-nft",
  "nft-f": "nft -f",
  "bpf-sock-lb": "bpftool batch",
};

/** nft's verdict map against the BPF hash map at n (10k when measured): per packet (connect) and per change. */
function ebpfFinding(k: KernelCase[]): string | undefined {
  const conn = k.filter((c) => c.scenario === "connect" && c.impl === "bpf-sock-lb");
  if (conn.length === 0) return undefined;
  const ns = sizesOf(conn),
    n = ns.includes(10000) ? 10000 : ns[ns.length - 1],
    lo = ns[0];
  const at = (impl: KernelBackend, sc: KernelCase["scenario"], m = n) => kernelCase(k, impl, sc, m);
  const b = at("bpf-sock-lb", "connect"),
    v = at("nft-f", "connect"),
    b0 = at("bpf-sock-lb", "connect", lo),
    v0 = at("nft-f", "connect", lo);
  const perPacket =
    `per packet, a TCP connect through the BPF socket LB takes ${fmtTime(b!.median_ns)}` +
    (v
      ? ` against ${fmtTime(v.median_ns)} through nft's verdict map (${(b!.median_ns / v.median_ns).toFixed(2)}×)`
      : "") +
    (b0 && lo < n
      ? `; from ${num(lo)} to ${num(n)} Services the BPF connect moves ${(b!.median_ns / b0.median_ns).toFixed(2)}×${v && v0 ? `, nft's ${(v.median_ns / v0.median_ns).toFixed(2)}×` : ""}`
      : "");
  const change = (sc: KernelStep, what: string) => {
    const bb = at("bpf-sock-lb", sc),
      nn = at("nft-f", sc);
    if (!bb || overLimit(bb) || bb.text_lines === undefined) return undefined;
    return (
      `${what} is ${num(bb.text_lines)} map writes in one bpftool batch, ${fmtTime(bb.median_ns)}` +
      (nn && !overLimit(nn)
        ? ` against ${fmtTime(nn.median_ns)} for nft -f (${(bb.median_ns / nn.median_ns).toFixed(2)}×)`
        : "")
    );
  };
  const changes = [change("add-service", "one Service added"), change("delete-service", "one deleted")].filter(
    (x): x is string => x !== undefined,
  );
  const first = at("bpf-sock-lb", "first-load"),
    nf = at("nft-f", "first-load");
  const load =
    first && !overLimit(first)
      ? `; the first load of all ${num(n)} Services' entries takes ${fmtTime(first.median_ns)}${nf && !overLimit(nf) ? ` (nft -f: ${fmtTime(nf.median_ns)})` : ""}`
      : "";
  return (
    `nft's verdict map against the BPF hash map at ${num(n)} Services: ${perPacket}. Per change, ${changes.join(", ")}${load}. ` +
    "bpftool reopens the pinned map for every line; Cilium's agent keeps the map open and writes with one bpf() call per entry, so the map writes alone cost less than this."
  );
}

/** Per change and tool, whether the kernel's slope is within 0.3 of the model's; the slopes are in the body's table. */
function agreement(all: KernelCase[], fits: ReturnType<typeof fitCases>): string | undefined {
  const same: string[] = [],
    faster: string[] = [],
    slower: string[] = [];
  for (const p of PAIRINGS.filter((q) => q.model)) {
    const m = slopeOf(all, fits, "kernel", p.model!, p.scenario);
    const ks = p.kernel
      .map((k) => [k, slopeOf(all, fits, "kernel", k, p.scenario)] as const)
      .filter(([, s]) => s !== undefined);
    if (!m || ks.length === 0) continue;
    for (const [k, s] of ks) {
      // A kernel curve that went over the limit where the model's did not grew faster, whatever its fit below.
      const d = s!.upTo !== undefined ? Infinity : s!.slope - m.slope,
        what = `${changeName(p)} (${p.mode}, ${SHORT[k]})`;
      (Math.abs(d) <= 0.3 ? same : d > 0 ? faster : slower).push(what);
    }
  }
  const pairs = same.length + faster.length + slower.length;
  if (pairs === 0) return undefined;
  const verdict = [
    faster.length > 0 && `the kernel grows faster for ${list(faster)}`,
    slower.length > 0 &&
      `slower for ${slower.length} (a fork and exec of a few ms per call flattens the tools' curves at small N)`,
  ]
    .filter(Boolean)
    .join("; ");
  return (
    `Growth with N, model vs kernel (log-log slopes, in the kernel section's table): the same within 0.3 for ${same.length} of ${pairs} ` +
    `pairs of change and tool${verdict ? `; ${verdict}` : ""}.`
  );
}

/** The section's findings, one sentence each, from the largest N with a first load measured. */
export function kernelFindings(all: CaseResult[]): string[] {
  const k = casesOf(all, "kernel");
  const ns = sizesOf(k.filter((c) => c.scenario === "first-load" && !c.impl.startsWith("model-")));
  if (ns.length === 0) return [];
  const big = ns[ns.length - 1];
  const fits = fitCases(k);
  return [
    loadFinding(k, big),
    ...superlinear(k, fits),
    resyncFinding(k, big),
    nftFinding(k, big),
    connectFinding(all),
    ebpfFinding(k),
    agreement(k, fits),
  ].filter((s): s is string => s !== undefined);
}
