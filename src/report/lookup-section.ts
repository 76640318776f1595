// The lookup suite in REPORT.md: findings, tables and the log-log chart.
import { casesOf, LOOKUP_CORES, LookupImpl } from "./cases";
import { ChartSpec, nsOverServices } from "./charts";
import { hashBody, hashFindings } from "./lookup-hash-section";
import { at, crossing, fitTable, mdTable, num, pivot, x } from "./markdown";
import { ReportSection } from "./section";
import { fmtNs } from "./table";

const IMPLS: LookupImpl[] = [...LOOKUP_CORES, "roofline"];

export const lookupSection: ReportSection = {
  suite: "lookup",
  title: "Per packet: finding the Service (lookup)",

  findings(all) {
    const lookup = casesOf(all, "lookup"),
      cases = lookup.filter((c) => c.scenario === undefined);
    const sizes = [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);
    if (sizes.length === 0) return [];
    // "flat" is judged from 100 Services up, where the tables have left their smallest sizes.
    const big = sizes[sizes.length - 1],
      small = sizes.includes(100) ? 100 : sizes[0];
    const out: string[] = [];
    const ratio = (a: LookupImpl, b: LookupImpl, n: number) => {
      const ta = at(cases, a, n),
        tb = at(cases, b, n);
      return ta !== undefined && tb !== undefined ? ta / tb : undefined;
    };
    const r = sizes
      .map((n) => ({ n, r: ratio("chain-scalar", "vmap", n) }))
      .filter((p): p is { n: number; r: number } => p.r !== undefined);
    const ten = crossing(r, 10);
    const rBig = ratio("chain-scalar", "vmap", big);
    if (rBig !== undefined) {
      out.push(
        `At ${num(big)} Services the iptables first-packet lookup (a walk of KUBE-SERVICES) costs ${fmtNs(at(cases, "chain-scalar", big))} ns, ${x(rBig)} the nftables verdict-map lookup (${fmtNs(at(cases, "vmap", big))} ns)` +
          (ten !== undefined ? `; it passes 10× the vmap at about ${num(ten)} Services.` : "."),
      );
    }
    const s = ratio("chain-scalar", "chain-simd", big),
      t = ratio("chain-ts", "chain-simd", big),
      roof = ratio("roofline", "chain-simd", big);
    if (s !== undefined && t !== undefined && roof !== undefined) {
      out.push(
        `Scanning the chain with v128 compares is ${x(s)} faster than the scalar scan and ${x(t)} faster ` +
          `than plain TypeScript at ${num(big)} rules, and runs at ${(roof * 100).toFixed(0)}% of the speed of ` +
          `merely reading the same address bytes (the roofline).`,
      );
    }
    const fixed = cases.find((c) => c.impl === "svctable-fixed" && c.n === big);
    const fr = ratio("svctable-fixed", "svctable-resizable", big);
    if (fixed && fr !== undefined) {
      out.push(
        `The kernel's fixed IPVS service table (256 buckets) holds ${(fixed.mean_chain ?? big / 256).toFixed(0)} services per bucket at ${num(big)}; a lookup there costs ${fmtNs(fixed.median_ns)} ns, ${x(fr)} the resizable table's.`,
      );
    }
    const flat = (["svctable-resizable", "vmap", "ebpf-htab"] as const)
      .map((i) => {
        const a = at(cases, i, big),
          b = at(cases, i, small);
        return a !== undefined && b !== undefined ? `${i} ${(a / b).toFixed(2)}` : undefined;
      })
      .filter(Boolean);
    if (flat.length > 0)
      out.push(
        `From ${num(small)} to ${num(big)} Services the hashed lookups grow by t(${num(big)})/t(${num(small)}) = ${flat.join(", ")}.`,
      );
    const bv = ratio("ebpf-htab", "vmap", big);
    if (bv !== undefined) {
      out.push(
        `The BPF hash map as Cilium keys it (lb4 key of 12 bytes, jhash2, a list per bucket, buckets = ` +
          `max_entries rounded up to a power of two) costs ${fmtNs(at(cases, "ebpf-htab", big))} ns per lookup ` +
          `at ${num(big)} Services, ${bv.toFixed(2)}× the nftables verdict map: both are one hash and a short ` +
          `probe, whatever N.`,
      );
    }
    const sweep = lookup.filter((c) => c.scenario === "batch-sweep" && c.impl === "vmap");
    const sweepN = Math.min(...sweep.map((c) => c.n));
    const b = (size: number) => sweep.find((c) => c.batch === size && c.n === sweepN);
    const b1 = b(1),
      b1024 = b(1024),
      b4096 = b(4096);
    if (b1 && b1024 && b4096) {
      out.push(
        `Crossing into WebAssembly per packet costs ${x(b1.median_ns / b4096.median_ns)} the batched lookup; at batch 1024 the time is within ${Math.abs((b1024.median_ns / b4096.median_ns - 1) * 100).toFixed(1)}% of batch 4096.`,
      );
    }
    return [...out, ...hashFindings(all)];
  },

  body(all, fits) {
    const lookup = casesOf(all, "lookup"),
      cases = lookup.filter((c) => c.scenario === undefined);
    const sweep = lookup.filter((c) => c.scenario === "batch-sweep");
    const parts = [
      "Median ns per lookup, batch 1024 (p99, rme and samples are in `lookup.json`):",
      pivot(
        cases,
        IMPLS.filter((i) => cases.some((c) => c.impl === i)),
      ),
    ];
    if (sweep.length > 0) {
      const batches = [...new Set(sweep.map((c) => c.batch))].sort((a, b) => a - b);
      const rows = [...new Set(sweep.map((c) => `${c.impl}|${c.n}`))].map((key) => {
        const row = sweep.filter((c) => `${c.impl}|${c.n}` === key);
        return [
          row[0].impl,
          num(row[0].n),
          ...batches.map((size) => fmtNs(row.find((c) => c.batch === size)?.median_ns)),
        ];
      });
      parts.push(
        "Batch-size sweep, ns per lookup (the staged probe and the plain one, calls of 1 … 4096 packets):",
        mdTable(["core", "N", ...batches.map(String)], rows),
      );
    }
    parts.push(...hashBody(all));
    const f = fits.filter((x) => x.scenario === undefined);
    if (f.length > 0)
      parts.push(
        "Complexity fit per curve (least squares through the origin per class, lowest normalised RMS wins):",
        fitTable(f),
      );
    return parts.join("\n\n");
  },

  charts(all): ChartSpec[] {
    const rows = all
      .filter((c) => c.scenario === undefined && !/^dram|-plain$/.test(c.impl))
      .map((c) => ({ n: c.n, ns: c.median_ns, impl: c.impl }));
    return nsOverServices("lookup.svg", "First-packet service lookup: ns per lookup vs Services", rows, "lookup");
  },
};
