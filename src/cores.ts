// Every service-lookup core by its name in the reports, built from the same service ports.
import { RuleChain, ServiceEntry, ServiceLookup, ServiceTable, SvcbenchError } from "./core";
import { TsChain } from "./reference/chain";
import { TsMap } from "./reference/map";
import { WasmChain } from "./wasm/chain";
import { WasmKeyedTable } from "./wasm/keyed";
import { EbpfServiceTable, mapSizeFor } from "./ebpf/htab";
import { LB_MAP_MAX_ENTRIES } from "./ebpf/lb4";
import { WasmHtab } from "./wasm/ebpf";
import { CORE_IMPLS, CoreImpl } from "./modes";

/** The ebpf-htab core's hashrnd (the kernel draws one per map; a fixed one keeps runs alike). */
const EBPF_HASHRND = 0x5eed1234;

export { CORE_IMPLS, type CoreImpl };

/** An empty core; limit is its entry limit (0 = the largest). */
export function emptyCore(impl: CoreImpl, limit = 0): RuleChain | ServiceTable {
  switch (impl) {
    case "chain-scalar":
      return new WasmChain("scalar", limit);
    case "chain-simd":
      return new WasmChain("simd", limit);
    case "chain-ts":
      return new TsChain(limit);
    case "svctable-fixed":
    case "svctable-resizable":
    case "vmap":
      return new WasmKeyedTable(impl, limit);
    case "map-ts":
      return new TsMap(limit);
    case "ebpf-htab":
      return new EbpfServiceTable(new WasmHtab(3, limit || LB_MAP_MAX_ENTRIES, EBPF_HASHRND));
    default:
      throw new SvcbenchError(`unknown core "${impl as string}"; known: ${CORE_IMPLS.join(", ")}`);
  }
}

/**
 * A core holding these service ports: a chain gets them as rules in order (one restore),
 * a keyed table one insert each, so a repeated key keeps its first target in both.
 */
export function buildCore(impl: CoreImpl, entries: readonly ServiceEntry[], limit = 0): ServiceLookup {
  // A BPF map's size is fixed when it is made: sized to hold them, as --bpf-lb-map-max is raised to fit.
  const core = emptyCore(impl, impl === "ebpf-htab" && limit === 0 ? mapSizeFor(entries.length) : limit);
  try {
    if ("replace" in core) core.replace(entries);
    else for (const e of entries) core.insert(e);
  } catch (err) {
    core.dispose();
    throw err;
  }
  return core;
}
