// The hash lookups' targets, judged from what one run measured: the vmap and the resizable IPVS
// table stay flat to 1M Services (t(1M)/t(100) ≤ 1.5 at batch 1024, uniform traffic); at 1M the
// staged probe beats the plain one by ≥ 1.5× and stays within 2× of G independent random reads;
// at N ≤ 10k the batch lookup is no slower than the plain probe beyond noise; a 1M-Service vmap
// holds ≤ 64 MiB.
import { CaseResult, casesOf, HASH_CORES, HashCore, LookupCase, LookupImpl, LookupScenario } from "./cases";
import { fmtNs } from "./table";
import { TargetCheck } from "./sync-targets";

export const ZIPF_S = 1.1;
export const ZIPF_SCENARIO: LookupScenario = `zipf-${ZIPF_S}`;
const FLAT_N = [100, 1_000_000] as const;
const FLAT_RATIO = 1.5;
const STAGED_GAIN = 1.5;
const ROOFLINE_FACTOR = 2;
const SMALL_N = 10_000;
const NOISE = 0.02;
const VMAP_MIB = 64;
const MiB = 1 << 20;

const k = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const r2 = (r: number) => r.toFixed(2);

/** The run's lookup cases at batch 1024, by impl, N and scenario. */
class Run {
  private readonly cases: LookupCase[];
  constructor(all: CaseResult[]) {
    this.cases = casesOf(all, "lookup").filter((c) => c.batch === 1024);
  }
  find(impl: LookupImpl, n: number, scenario?: LookupScenario): LookupCase | undefined {
    return this.cases.find((c) => c.impl === impl && c.n === n && c.scenario === scenario);
  }
  t(impl: LookupImpl, n: number, scenario?: LookupScenario): number | undefined {
    return this.find(impl, n, scenario)?.median_ns;
  }
  /** Uniform-traffic cases up to n. */
  upTo(n: number): LookupCase[] {
    return this.cases.filter((x) => x.scenario === undefined && x.n <= n);
  }
}

const [SMALL, BIG] = FLAT_N;

function flat(r: Run, impl: HashCore): TargetCheck {
  const target = `${impl}: t(${k(BIG)})/t(${k(SMALL)}) ≤ ${FLAT_RATIO} at batch 1024, uniform traffic`;
  const a = r.t(impl, BIG),
    b = r.t(impl, SMALL);
  const za = r.t(impl, BIG, ZIPF_SCENARIO),
    zb = r.t(impl, SMALL, ZIPF_SCENARIO);
  const zipf =
    za !== undefined && zb !== undefined ? `; Zipf s=1.1: ${r2(za / zb)} (${fmtNs(zb)} → ${fmtNs(za)} ns)` : "";
  return a === undefined || b === undefined
    ? { target, measured: `not measured at N=${k(SMALL)} and ${k(BIG)} (${k(BIG)} needs --full)` }
    : { target, measured: `${r2(a / b)} (${fmtNs(b)} → ${fmtNs(a)} ns)${zipf}`, met: a / b <= FLAT_RATIO };
}

function stagedGain(r: Run): TargetCheck {
  const target = `staged probe ≥ ${STAGED_GAIN}× faster than the plain one at ${k(BIG)}`;
  const parts = HASH_CORES.flatMap((i) => {
    const s = r.find(i, BIG),
      p = r.t(`${i}-plain`, BIG);
    return s !== undefined && p !== undefined ? [{ i, s, p }] : [];
  });
  return parts.length === 0
    ? { target, measured: `not measured at N=${k(BIG)}` }
    : {
        target,
        measured: parts
          .map(
            ({ i, s, p }) =>
              `${i} ×${r2(p / s.median_ns)} (plain ${fmtNs(p)} → ${s.probe ?? "staged"} ${fmtNs(s.median_ns)} ns)`,
          )
          .join("; "),
        met: parts.every(({ s, p }) => s.probe !== "plain" && p / s.median_ns >= STAGED_GAIN),
      };
}

function roofline(r: Run): TargetCheck {
  const target = `within ${ROOFLINE_FACTOR}× of G independent random reads over a buffer the table's size, at ${k(BIG)}`;
  const parts = HASH_CORES.flatMap((i) => {
    const s = r.t(i, BIG),
      d = r.find(`dramG-${i}`, BIG);
    return s !== undefined && d !== undefined ? [{ i, s, d }] : [];
  });
  return parts.length === 0
    ? { target, measured: `not measured at N=${k(BIG)}` }
    : {
        target,
        measured: parts
          .map(({ i, s, d }) => `${i} ${r2(s / d.median_ns)}× (G=${d.reads_in_flight}: ${fmtNs(d.median_ns)} ns)`)
          .join("; "),
        met: parts.every(({ s, d }) => s / d.median_ns <= ROOFLINE_FACTOR),
      };
}

function noSlowerWhenSmall(r: Run): TargetCheck {
  const target = `at N ≤ ${k(SMALL_N)} the batch lookup is no slower than the plain probe beyond noise (${NOISE * 100}% or the cases' margins of error)`;
  let worst: { impl: string; n: number; r: number } | undefined;
  let met: boolean | undefined;
  const upToSmall = r.upTo(SMALL_N);
  for (const c of upToSmall) {
    const h = HASH_CORES.find((x) => x === c.impl);
    const p = h && r.find(`${h}-plain`, c.n);
    if (!p) continue;
    const ratio = c.median_ns / p.median_ns;
    const slower = ratio > 1 + Math.max(NOISE, (c.rme + p.rme) / 100);
    met = (met ?? true) && !slower;
    if (!worst || ratio > worst.r) worst = { impl: c.impl, n: c.n, r: ratio };
  }
  const probes = [...new Set(upToSmall.filter((x) => HASH_CORES.some((h) => h === x.impl)).map((x) => x.probe))].filter(
    Boolean,
  );
  return {
    target,
    met,
    measured: worst
      ? `worst lookup/plain ${r2(worst.r)} (${worst.impl}, N=${k(worst.n)}; probe there: ${probes.join(", ") || "?"})`
      : `not measured at N ≤ ${k(SMALL_N)}`,
  };
}

function vmapMemory(r: Run): TargetCheck {
  const target = `a ${k(BIG)}-Service vmap holds ≤ ${VMAP_MIB} MiB of WASM linear memory (also while growing)`;
  const c = r.find("vmap", BIG);
  const held = c?.wasm_bytes,
    peak = c?.wasm_peak_bytes;
  return held === undefined || peak === undefined
    ? { target, measured: `not measured at N=${k(BIG)}` }
    : {
        target,
        measured: `holds ${(held / MiB).toFixed(1)} MiB, at most ${(peak / MiB).toFixed(1)} MiB while doubling`,
        met: held <= VMAP_MIB * MiB && peak <= VMAP_MIB * MiB,
      };
}

export function lookupTargets(all: CaseResult[]): TargetCheck[] {
  const r = new Run(all);
  return [...HASH_CORES.map((i) => flat(r, i)), stagedGain(r), roofline(r), noSlowerWhenSmall(r), vmapMemory(r)];
}
