// The model's own syncs of the same changes on the same clusters (same seed, N and E), timed in the
// same run by the sync suite's runner (bench/sync.ts), and named as the kernel cases they sit beside:
// impl model-<mode>, the kernel suite's scenario names; first-load is a new proxier's first sync. A model
// sync is the whole control path (the controller, the change trackers, the render and the model
// kernel); compare how it grows with N.
import { KubeProxy } from "../../src/proxy/kube-proxy";
import { newProxier } from "../../src/proxy/modes";
import { SyncStats } from "../../src/proxy/types";
import { Measured, Progress } from "../harness";
import { buildCluster, Cluster, runSync, SyncScenario } from "../sync";
import { KernelCase, KernelScenario } from "./cases";
import { summarize } from "./sampler";

/** sync-suite (impl, scenario) → kernel-suite scenario; the pairs the kernel measures too. */
const PAIRS: {
  impl: "iptables-full" | "iptables-partial" | "nftables" | "ebpf";
  sync: SyncScenario;
  kernel: KernelScenario;
}[] = [
  { impl: "iptables-full", sync: "add-pod", kernel: "full-resync" },
  { impl: "iptables-partial", sync: "add-pod", kernel: "partial-resync" },
  { impl: "iptables-partial", sync: "create-service", kernel: "add-service" },
  { impl: "nftables", sync: "create-service", kernel: "add-service" },
  { impl: "ebpf", sync: "create-service", kernel: "add-service" },
];

/** The model's first sync of a cluster: a new proxier, the informers' initial list, one full sync; 3 to 5 samples. */
function firstSync(
  c: Cluster,
  mode: "iptables-full" | "nftables" | "ebpf",
  timeMs: number,
): Measured & { rules_written: number; bytes_written: number } {
  const ns: number[] = [];
  let stats: SyncStats | undefined;
  const t0 = performance.now();
  while (ns.length < 5 && (ns.length < 3 || performance.now() - t0 < timeMs)) {
    const proxier = newProxier(mode, c.store);
    const t = process.hrtime.bigint();
    const kp = new KubeProxy(c.store, proxier);
    stats = kp.flush();
    ns.push(Number(process.hrtime.bigint() - t));
    kp.stop();
    proxier.dispose();
  }
  return { ...summarize(ns), rules_written: stats?.rulesWritten ?? 0, bytes_written: stats?.bytesWritten ?? 0 };
}

/** The model's cases at size n: the pairs above, and each mode's first sync as first-load. */
export function modelCases(n: number, endpoints: number, seed: number, timeMs: number): KernelCase[] {
  const synced = runSync(
    {
      sizes: [n],
      endpoints: [endpoints],
      largeEMaxN: Infinity,
      seed,
      budget: { time: timeMs, iterations: 1 },
      impls: ["iptables-full", "iptables-partial", "nftables", "ebpf"],
      scenarios: ["add-pod", "create-service"],
    },
    new Progress(0, false),
  ).cases;
  const out: KernelCase[] = [];
  for (const p of PAIRS) {
    const c = synced.find((x) => x.scenario !== "dial-retries" && x.impl === p.impl && x.scenario === p.sync);
    if (c)
      out.push({
        ...c,
        suite: "kernel",
        impl: `model-${p.impl}`,
        scenario: p.kernel,
        mode: p.impl,
        model_scenario: p.sync,
      });
  }
  const c = buildCluster(n, endpoints, seed);
  try {
    for (const mode of ["iptables-full", "nftables", "ebpf"] as const) {
      out.push({
        suite: "kernel",
        impl: `model-${mode}`,
        n,
        scenario: "first-load",
        endpoints,
        mode,
        ...firstSync(c, mode, timeMs),
      });
    }
  } finally {
    c.controller.stop();
  }
  return out;
}
