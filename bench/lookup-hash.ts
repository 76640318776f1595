// The hash cores' own cases in the lookup suite: the staged batch probe (the cores' lookup) beside
// the plain one, Zipf traffic, the group-size sweep, and the memory system's limit (a roofline of
// random reads over a buffer the size of the table: one dependent read per lookup, and G at once).
import { HASH_CORES, HashCore, LookupCase, LookupScenario } from "../src/report/cases";
import { ZIPF_S, ZIPF_SCENARIO } from "../src/report/lookup-targets";
import { WasmBatch } from "../src/wasm/batch";
import { WasmDram } from "../src/wasm/dram";
import { WasmKeyedTable } from "../src/wasm/keyed";
import { wasm } from "../src/wasm/module";
import { Budget, measure, Progress } from "./harness";

export type HashImpl = HashCore;
const HASH_IMPLS: readonly HashImpl[] = HASH_CORES;
const GROUP_SWEEP = [4, 8, 16, 32];
const BATCH = 1024;

export const plainImpl = <I extends HashImpl>(impl: I): `${I}-plain` => `${impl}-plain`;
const dram1Impl = <I extends HashImpl>(impl: I): `dram1-${I}` => `dram1-${impl}`;
const dramGImpl = <I extends HashImpl>(impl: I): `dramG-${I}` => `dramG-${impl}`;
const groupScenario = (g: number): LookupScenario => `group-${g}`;

/** The group size the staged lookups are compiled with (assembly/stage.ts LOOKUP_GROUP). */
export const lookupGroup = (): number => wasm().stage_group();

/** Which hash cases a run makes, per core: each by its own "lookup/impl" name through the filter. */
export interface HashPlan {
  plain: HashImpl[];
  zipf: HashImpl[];
  dram: HashImpl[];
  groups: HashImpl[];
}

export function hashPlan(wanted: (impl: string) => boolean): HashPlan {
  return {
    plain: HASH_IMPLS.filter((i) => wanted(plainImpl(i))),
    zipf: HASH_IMPLS.filter((i) => wanted(i)),
    dram: HASH_IMPLS.filter((i) => wanted(dram1Impl(i)) || wanted(dramGImpl(i))),
    groups: HASH_IMPLS.filter((i) => wanted(i)),
  };
}

/** The cores these cases need built at every N. */
export function hashCores(p: HashPlan): HashImpl[] {
  return HASH_IMPLS.filter((i) => [p.plain, p.zipf, p.dram, p.groups].some((l) => l.includes(i)));
}

export function hashCaseCount(p: HashPlan, sizes: number, sweepSizes: number): number {
  return (
    sizes * (p.plain.length + p.zipf.length + 2 * p.dram.length) + sweepSizes * GROUP_SWEEP.length * p.groups.length
  );
}

/**
 * Which probe a hash core's batch lookup takes at its size: staged from STAGE_FROM_BYTES (assembly/stage.ts),
 * plain below.
 */
export function probeField(core: unknown): { probe?: "staged" | "plain" } {
  if (!(core instanceof WasmKeyedTable) || !(HASH_IMPLS as readonly string[]).includes(core.impl)) return {};
  return { probe: core.bytes >= wasm().stage_from_bytes() ? "staged" : "plain" };
}

/** Bytes of WASM linear memory a core holds now (and, for a keyed table, the most it held while growing). */
export function memoryFields(core: object): Pick<LookupCase, "wasm_bytes" | "wasm_peak_bytes"> {
  if (core instanceof WasmKeyedTable) return { wasm_bytes: core.bytes, wasm_peak_bytes: core.peakBytes };
  return "bytes" in core && typeof core.bytes === "number" ? { wasm_bytes: core.bytes } : {};
}

/** A task that resolves the next batch of the pool's packets on every call. */
function cycling(pool: number, lookup: (start: number, count: number) => void): () => void {
  let at = 0;
  return () => {
    lookup(at, BATCH);
    at = (at + BATCH) % pool;
  };
}

interface HashRun {
  n: number;
  cores: Map<HashImpl, WasmKeyedTable>;
  uniform: WasmBatch;
  zipf: WasmBatch;
  /** Run the group sweep at this N. */
  sweep: boolean;
  seed: number;
  budget: Budget;
}

export function runHashCases(p: HashPlan, r: HashRun, progress: Progress): LookupCase[] {
  const out: LookupCase[] = [];
  const { n, budget } = r;
  const pool = r.uniform.capacity;
  const time = (label: string, fn: () => void) => {
    progress.step(`lookup ${label} N=${n}`);
    return measure(`${label} N=${n}`, fn, BATCH, budget);
  };
  for (const impl of HASH_IMPLS) {
    const core = r.cores.get(impl);
    if (!core) continue;
    const mem = memoryFields(core);
    if (p.plain.includes(impl)) {
      const m = time(
        plainImpl(impl),
        cycling(pool, (s, c) => core.lookupPlain(r.uniform, s, c)),
      );
      out.push({ suite: "lookup", impl: plainImpl(impl), n, batch: BATCH, ...m, ...mem });
    }
    if (p.zipf.includes(impl)) {
      const m = time(
        `${impl} ${ZIPF_SCENARIO}`,
        cycling(pool, (s, c) => core.lookup(r.zipf, s, c)),
      );
      out.push({ suite: "lookup", impl, n, batch: BATCH, scenario: ZIPF_SCENARIO, zipf_s: ZIPF_S, ...m });
    }
    if (p.dram.includes(impl)) out.push(...roofline(impl, core.bytes, r, time));
    if (r.sweep && p.groups.includes(impl)) {
      for (const g of GROUP_SWEEP) {
        const m = time(
          `${impl} group=${g}`,
          cycling(pool, (s, c) => core.lookupGroup(r.uniform, s, c, g)),
        );
        out.push({ suite: "lookup", impl, n, batch: BATCH, scenario: groupScenario(g), group: g, ...m });
      }
    }
  }
  return out;
}

/** Random line reads over a buffer of the table's bytes: one chase (dependent), then G chases taking turns. */
function roofline(
  impl: HashImpl,
  bytes: number,
  r: HashRun,
  time: (label: string, fn: () => void) => ReturnType<typeof measure>,
): LookupCase[] {
  const dram = new WasmDram(bytes, r.seed + r.n);
  try {
    const g = lookupGroup();
    const dep = time(dram1Impl(impl), () => dram.read(BATCH, 1));
    const par = time(dramGImpl(impl), () => dram.read(BATCH, g));
    const common = { suite: "lookup" as const, n: r.n, batch: BATCH, buffer_bytes: bytes };
    return [
      { ...common, impl: dram1Impl(impl), ...dep, reads_in_flight: 1 },
      { ...common, impl: dramGImpl(impl), ...par, reads_in_flight: g },
    ];
  } finally {
    dram.dispose();
  }
}
