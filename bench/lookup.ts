// The lookup suite: ns per first-packet service lookup, per core, as the number of Services grows.
// All cores resolve the same seeded traffic in batches of 1024.
import { ServiceLookup, SvcbenchError } from "../src/core";
import { buildCore, CORE_IMPLS, CoreImpl } from "../src/cores";
import { CaseResult, casesOf, LookupCase, LookupImpl } from "../src/report/cases";
import { fmtNs, fmtRatio, formatTable } from "../src/report/table";
import { WasmBatch } from "../src/wasm/batch";
import { WasmChain } from "../src/wasm/chain";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { Words } from "../src/wasm/module";
import { makeServicePorts } from "../src/workload/cluster";
import { fillTraffic, TrafficOptions } from "../src/workload/traffic";
import { Budget, measure, Progress } from "./harness";
import {
  HashImpl,
  hashCaseCount,
  hashCores,
  HashPlan,
  hashPlan,
  memoryFields,
  plainImpl,
  probeField,
  runHashCases,
} from "./lookup-hash";
import { ZIPF_S } from "../src/report/lookup-targets";
import { hashTable } from "./lookup-hash-table";
import { Suite, SuiteOptions, wanted } from "./suite";

const LOOKUP_SIZES = [10, 100, 1000, 10000, 100000];
const LOOKUP_FULL_SIZES = [...LOOKUP_SIZES, 1000000];
const LOOKUP_BATCH = 1024;
const BATCH_SWEEP = [1, 16, 256, 1024, 4096];
/** The batch sweep runs on the vmap, the cheapest lookup, where call overhead shows most: staged and plain. */
const SWEEP_IMPL: HashImpl = "vmap";
const SWEEP_IMPLS: LookupImpl[] = [SWEEP_IMPL, plainImpl(SWEEP_IMPL)];
/** Packets of traffic cycled through, so that hash tables do not see one batch in cache. */
const POOL = 1 << 16;

interface LookupOptions {
  sizes: number[];
  seed: number;
  budget: Budget;
  traffic: TrafficOptions;
  /** The cores to time (the first-match check runs over these). */
  impls: readonly CoreImpl[];
  roofline: boolean;
  /** Batch-sweep impls wanted (the vmap's staged and plain probes). */
  batchSweep: LookupImpl[];
  hash: HashPlan;
}

/** The sizes the batch and group sweeps run at: the one closest to 10k, and the largest (1M with --full). */
function sweepSizes(sizes: number[]): number[] {
  const near = sizes.reduce((best, n) => (Math.abs(Math.log(n / 1e4)) < Math.abs(Math.log(best / 1e4)) ? n : best));
  return [...new Set([near, Math.max(...sizes)])];
}

function lookupCaseCount(o: LookupOptions): number {
  const sweeps = sweepSizes(o.sizes).length;
  return (
    o.sizes.length * (o.impls.length + (o.roofline ? 1 : 0)) +
    sweeps * BATCH_SWEEP.length * o.batchSweep.length +
    hashCaseCount(o.hash, o.sizes.length, sweeps)
  );
}

/** Checks that every core answers the first batch of traffic the same; a benchmark of wrong answers is worthless. */
function agree(cores: ServiceLookup[], batch: WasmBatch, n: number): void {
  let expect: Uint32Array | undefined;
  for (const core of cores) {
    core.lookup(batch, 0, LOOKUP_BATCH);
    const out = batch.out.slice(0, LOOKUP_BATCH);
    if (!expect) expect = out;
    else if (out.some((v, i) => v !== expect![i])) {
      throw new SvcbenchError(`${core.impl} disagrees with ${cores[0].impl} at N=${n}: not benchmarking wrong answers`);
    }
    if (core instanceof WasmKeyedTable) {
      core.lookupPlain(batch, 0, LOOKUP_BATCH);
      if (batch.out.some((v, i) => i < LOOKUP_BATCH && v !== expect![i])) {
        throw new SvcbenchError(
          `${core.impl}'s plain probe disagrees with ${cores[0].impl} at N=${n}: not benchmarking wrong answers`,
        );
      }
    }
  }
}

/** A task that resolves the next `calls` windows of `size` packets of the pool. */
function cycling(size: number, calls: number, lookup: (start: number, count: number) => void): () => void {
  let at = 0;
  return () => {
    for (let c = 0; c < calls; c++) {
      lookup(at, size);
      at = (at + size) % POOL;
    }
  };
}

function runLookup(o: LookupOptions, progress: Progress): LookupCase[] {
  const cases: LookupCase[] = [];
  const batch = new WasmBatch(POOL);
  const zipf = new WasmBatch(POOL);
  const sweeps = sweepSizes(o.sizes);
  try {
    for (const n of o.sizes) {
      const services = makeServicePorts(n, o.seed);
      fillTraffic(batch, services, o.traffic, o.seed + n);
      fillTraffic(zipf, services, { distribution: "zipf", zipfS: ZIPF_S, missRatio: o.traffic.missRatio }, o.seed + n);
      const sweep = sweeps.includes(n);
      const built = new Set<CoreImpl>([...o.impls, ...hashCores(o.hash)]);
      if (o.roofline) built.add("chain-simd");
      if (sweep && o.batchSweep.length > 0) built.add(SWEEP_IMPL);
      const cores = [...built].map((impl) => buildCore(impl, services));
      try {
        agree(cores, batch, n);
        for (const impl of o.impls) {
          const core = cores[[...built].indexOf(impl)];
          progress.step(`lookup ${impl} N=${n}`);
          const m = measure(
            `${impl} N=${n}`,
            cycling(LOOKUP_BATCH, 1, (s, c) => core.lookup(batch, s, c)),
            LOOKUP_BATCH,
            o.budget,
          );
          const extra =
            core instanceof WasmKeyedTable && impl.startsWith("svctable")
              ? { buckets: core.buckets, mean_chain: n / core.buckets }
              : {};
          cases.push({
            suite: "lookup",
            impl,
            n,
            batch: LOOKUP_BATCH,
            ...m,
            ...extra,
            ...probeField(core),
            ...memoryFields(core),
          });
        }
        if (o.roofline) {
          progress.step(`lookup roofline N=${n}`);
          cases.push(roofline(cores.find((c) => c.impl === "chain-simd") as WasmChain, batch, n, o.budget));
        }
        const keyed = new Map(
          cores.filter((c): c is WasmKeyedTable => c instanceof WasmKeyedTable).map((c) => [c.impl as HashImpl, c]),
        );
        cases.push(
          ...runHashCases(
            o.hash,
            { n, cores: keyed, uniform: batch, zipf, sweep, seed: o.seed, budget: o.budget },
            progress,
          ),
        );
        if (sweep && o.batchSweep.length > 0) {
          cases.push(
            ...batchSweep(
              cores.find((c) => c.impl === SWEEP_IMPL) as WasmKeyedTable,
              o.batchSweep,
              batch,
              n,
              o.budget,
              progress,
            ),
          );
        }
      } finally {
        for (const core of cores) core.dispose();
      }
    }
  } finally {
    batch.dispose();
    zipf.dispose();
  }
  return cases;
}

/** WASM reads and sums exactly the address bytes the chain scan reads for the same packets. */
function roofline(chain: WasmChain, batch: WasmBatch, n: number, budget: Budget): LookupCase {
  chain.scanLengths(batch, 0, POOL);
  const lens = new Words(POOL);
  try {
    lens.words.set(batch.out);
    // The sum over the whole pool, once and untimed: the same for the same seed, however many samples ran.
    const checksum = chain.roofline(lens, 0, POOL);
    const m = measure(
      `roofline N=${n}`,
      cycling(LOOKUP_BATCH, 1, (s, c) => {
        chain.roofline(lens, s, c);
      }),
      LOOKUP_BATCH,
      budget,
    );
    return { suite: "lookup", impl: "roofline", n, batch: LOOKUP_BATCH, ...m, checksum };
  } finally {
    lens.dispose();
  }
}

/** Per-call overhead: 4096 lookups per sample, made in calls of 1 … 4096 packets, by the staged and the plain probe. */
function batchSweep(
  core: WasmKeyedTable,
  impls: LookupImpl[],
  batch: WasmBatch,
  n: number,
  budget: Budget,
  progress: Progress,
): LookupCase[] {
  const total = Math.max(...BATCH_SWEEP);
  return impls.flatMap((impl) =>
    BATCH_SWEEP.map((size): LookupCase => {
      progress.step(`lookup ${impl} batch=${size} N=${n}`);
      const probe =
        impl === core.impl
          ? (s: number, c: number) => core.lookup(batch, s, c)
          : (s: number, c: number) => core.lookupPlain(batch, s, c);
      const m = measure(`${impl} batch=${size}`, cycling(size, total / size, probe), total, budget);
      return { suite: "lookup", impl, n, batch: size, scenario: "batch-sweep", ...m };
    }),
  );
}

/** The terminal table: ns per lookup (median) and the ratios the targets speak of. */
function lookupTable(cases: CaseResult[]): string {
  const lookup = casesOf(cases, "lookup"),
    main = lookup.filter((c) => c.scenario === undefined);
  const sizes = [...new Set(main.map((c) => c.n))].sort((a, b) => a - b);
  const impls = [...CORE_IMPLS, "roofline"];
  const at = (impl: string, n: number) => main.find((c) => c.impl === impl && c.n === n)?.median_ns;
  const rows = sizes.map((n) => [
    n,
    ...impls.map((i) => fmtNs(at(i, n))),
    fmtRatio(at("chain-scalar", n), at("chain-simd", n)),
    fmtRatio(at("chain-ts", n), at("chain-simd", n)),
    fmtRatio(at("roofline", n), at("chain-simd", n)),
    fmtRatio(at("map-ts", n), at("svctable-resizable", n)),
    fmtRatio(at("map-ts", n), at("vmap", n)),
  ]);
  const sweep = lookup.filter((c) => c.scenario === "batch-sweep");
  const sweepLine = [...new Set(sweep.map((c) => `${c.impl}|${c.n}`))]
    .map((key) => {
      const row = sweep.filter((c) => `${c.impl}|${c.n}` === key);
      const b4096 = row.find((c) => c.batch === 4096)?.median_ns;
      return (
        `\nbatch sweep (${row[0].impl}, N=${row[0].n}), ns per lookup: ` +
        row.map((c) => `${c.batch}: ${fmtNs(c.median_ns)} (${fmtRatio(c.median_ns, b4096)})`).join(", ")
      );
    })
    .join("");
  const hash = hashTable(cases);
  return (
    "ns per lookup (median), batch 1024\n" +
    formatTable(["N", ...impls, "simd/scalar", "simd/ts", "simd/roof", "rsz/map-ts", "vmap/map-ts"], rows) +
    "\n(ratio columns are speedups: how many times faster the first-named runs)\n" +
    sweepLine +
    (hash ? `\n\n${hash}` : "")
  );
}

function lookupOptions(o: SuiteOptions): LookupOptions {
  return {
    sizes: o.sizes ?? (o.full ? LOOKUP_FULL_SIZES : LOOKUP_SIZES),
    seed: o.seed,
    budget: o.budget,
    traffic: o.traffic,
    impls: CORE_IMPLS.filter((impl) => wanted(o, "lookup", impl)),
    roofline: wanted(o, "lookup", "roofline"),
    batchSweep: SWEEP_IMPLS.filter((impl) => wanted(o, "lookup", impl)),
    hash: hashPlan((impl) => wanted(o, "lookup", impl)),
  };
}

export const lookupSuite: Suite = {
  name: "lookup",
  about: `first-packet service lookup per core, N = ${LOOKUP_SIZES.join(", ")} (1M with --full)`,
  file: "lookup.json",
  caseCount: (o) => lookupCaseCount(lookupOptions(o)),
  sizes: (o) => {
    const l = lookupOptions(o);
    if (lookupCaseCount(l) === 0) return [];
    return [
      ...new Set([
        ...(l.impls.length > 0 || l.roofline ? l.sizes : []),
        ...(l.batchSweep && l.sizes.length > 0 ? sweepSizes(l.sizes) : []),
      ]),
    ];
  },
  run: (o, progress) => ({ cases: runLookup(lookupOptions(o), progress), notes: [] }),
  table: lookupTable,
};
