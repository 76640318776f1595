// A synthetic kernel.json whose every step follows a known a + b·x^k, and sync cases for the modes.
import { KernelBackend, KernelCase, KernelScenario, ModelImpl, SyncChangeCase } from "../src/report/cases";
import { ResultsFile } from "../src/report/results";

export const SIZES = [100, 1000, 2000, 5000, 10000];
export const BYTES_PER_SERVICE = { iptables: 900, nft: 1600 };
export const RULES_PER_SERVICE = 1.02;
/** The true cost functions the fixture's medians follow. */
export const TRUE = {
  load: { a: 5e6, b: 0.6, k: 1.3 },
  held: { a: 6e6, b: 0.07, k: 1.4 },
  connect: { a: 40e3, b: 30, k: 1 },
  map: 39e3,
};
const f = (p: { a: number; b: number; k: number }, x: number) => p.a + p.b * x ** p.k;

const modeOf = (impl: string) => (impl.includes("nft-f") ? "nftables" : "iptables");
const base = (
  impl: KernelBackend | ModelImpl,
  n: number,
  scenario: KernelScenario,
  median_ns: number,
  extra: Partial<KernelCase> = {},
): KernelCase => ({
  suite: "kernel",
  impl,
  n,
  scenario,
  endpoints: 2,
  mode: modeOf(impl),
  median_ns,
  p99_ns: median_ns,
  rme: 1,
  samples: 5,
  ...extra,
});

export function kernelCases(sizes = SIZES): KernelCase[] {
  const out: KernelCase[] = [];
  for (const n of sizes) {
    for (const impl of ["iptables-legacy-restore", "iptables-nft-restore"] as const) {
      const held = BYTES_PER_SERVICE.iptables * n;
      out.push(base(impl, n, "first-load", f(TRUE.load, held), { text_bytes: held, text_lines: held / 80 }));
      out.push(base(impl, n, "full-resync", f(TRUE.load, held), { text_bytes: held, text_lines: held / 80 }));
      out.push(base(impl, n, "partial-resync", f(TRUE.held, held), { text_bytes: held / 8 }));
      out.push(base(impl, n, "add-service", f(TRUE.held, held), { text_bytes: held / 8 }));
      out.push(
        base(impl, n, "connect", f(TRUE.connect, n * RULES_PER_SERVICE), { rules_before: n * RULES_PER_SERVICE }),
      );
    }
    const held = BYTES_PER_SERVICE.nft * n;
    out.push(base("nft-f", n, "first-load", f(TRUE.load, held), { text_bytes: held }));
    out.push(base("nft-f", n, "add-service", f(TRUE.held, held), { text_bytes: 1500 }));
    out.push(base("nft-f", n, "delete-service", f(TRUE.held, held), { text_bytes: 600 }));
    out.push(base("nft-f", n, "connect", TRUE.map));
    out.push(base("model-iptables-full", n, "first-load", 1e6 * n));
  }
  return out;
}

export const kernelResults = (sizes = SIZES): ResultsFile => ({
  env: {
    node: "v20",
    v8: "11",
    cpu: "Test CPU",
    cores: 2,
    commit: "abc",
    seed: 1,
    date: "2026-01-01T00:00:00.000Z",
    versions: {},
    kernel: "6.1-test",
    tools: { nft: "nftables v1" },
    sizes,
    endpoints: 2,
  },
  cases: kernelCases(sizes),
});

/** Sync suite add-pod cases: the model's sync takes 1 µs per Service, writes 100 bytes per Service. */
export function syncCases(sizes = [100, 1000, 10000]): SyncChangeCase[] {
  return sizes.flatMap((n) =>
    (["iptables-partial", "iptables-full", "nftables", "ipvs"] as const).map(
      (impl): SyncChangeCase => ({
        suite: "sync",
        impl,
        n,
        scenario: "add-pod",
        endpoints: 2,
        median_ns: 2000 * n,
        p99_ns: 2000 * n,
        rme: 1,
        samples: 3,
        sync_ns: 1000 * n,
        bytes_written: 100 * n,
        initial_bytes: BYTES_PER_SERVICE[impl === "nftables" ? "nft" : "iptables"] * n,
        initial_sync_ms: n / 100,
        changes: 1,
        endpoint_changes: 1,
        rules_written: n,
        synced_services: 1,
        full_sync: impl === "iptables-full",
        initial_rules: n,
      }),
    ),
  );
}
