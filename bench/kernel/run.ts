// The kernel suite: for each N, the model's syncs, then the proxiers' texts rendered once and loaded by
// each backend into its own fresh pair of namespaces (node and pods, joined by a veth), with a TCP
// listener on the probe Service's pods. Every namespace is deleted when its backend is done, also when
// a step fails; SIGINT, SIGTERM and SIGHUP delete them too, and a later run what a killed one left (resources.ts).
import { Progress } from "../harness";
import { Backend, BACKENDS, KernelCase, KernelContext } from "./cases";
import { listen, twoHosts } from "./hosts";
import { iptablesCases } from "./iptables";
import { modelCases } from "./model";
import { Netns } from "./netns";
import { nftCases } from "./nft";
import { bpfCases } from "./bpf";
import { renderRulesets } from "./rulesets";
import { Sampling, summarize } from "./sampler";

export const KERNEL_SIZES = [100, 1000, 2000, 5000, 10000];
export const KERNEL_FULL_SIZES = [...KERNEL_SIZES, 30000];
export const KERNEL_ENDPOINTS = 2;
/** Default sampling: up to 5 samples, 10 s per case, 30 s per step; the untimed setup load may take 10× the limit. */
export const DEFAULT_SAMPLING: Sampling = { samples: 5, timeMs: 10000, limitMs: 30000 };
export const SETUP_LIMIT_FACTOR = 10;
export const DEFAULT_CONNECTS = 200;
/** Sampling time of each model case (ms). */
const MODEL_TIME_MS = 1000;

interface KernelOptions {
  sizes: number[];
  seed: number;
  sampling: Sampling;
  /** The limit of the untimed load after a first load over the limit (default: SETUP_LIMIT_FACTOR × the step limit). */
  setupLimitMs?: number;
  connects: number;
  backends?: readonly Backend[];
  /** Time the model's syncs too (default true). */
  model?: boolean;
  onStep?: (label: string) => void;
  log?: (line: string) => void;
}

/** Steps per size, for the progress line. */
export function kernelStepCount(o: KernelOptions): number {
  const perSize =
    (o.backends ?? BACKENDS).reduce((s, b) => s + (b.family === "iptables" ? 5 : 4), 0) + (o.model === false ? 0 : 1);
  return o.sizes.length * perSize;
}

/** Median ns of `ip netns exec NS true`: the part of every timed step that is not the tool's own work. */
async function execOverhead(ns: Netns): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < 7; i++) t.push((await ns.must("true", [])).ns);
  return summarize(t).median_ns;
}

interface KernelRun {
  cases: KernelCase[];
  exec_overhead_ns?: number;
}

export async function runKernel(o: KernelOptions, progress: Progress): Promise<KernelRun> {
  const ctx: KernelContext = {
    sampling: o.sampling,
    setupLimitMs: o.setupLimitMs ?? o.sampling.limitMs * SETUP_LIMIT_FACTOR,
    connects: o.connects,
    progress,
    log: o.log ?? (() => {}),
    onStep: o.onStep,
    overAt: new Map(),
  };
  const run: KernelRun = { cases: [] };
  for (const n of o.sizes) {
    if (o.model !== false) {
      progress.step(`model syncs N=${n}`);
      run.cases.push(...modelCases(n, KERNEL_ENDPOINTS, o.seed, MODEL_TIME_MS));
    }
    const r = renderRulesets(n, KERNEL_ENDPOINTS, o.seed);
    for (const b of o.backends ?? BACKENDS) {
      const hosts = await twoHosts(r.probe.pods);
      try {
        run.exec_overhead_ns ??= await execOverhead(hosts.node);
        const stop = await listen(hosts.pods, r.probe.targetPort);
        try {
          run.cases.push(
            ...(await (b.family === "bpf"
              ? bpfCases(ctx, b, r, hosts, o.seed)
              : (b.family === "nft" ? nftCases : iptablesCases)(ctx, b, r, hosts))),
          );
        } finally {
          stop();
        }
      } finally {
        await hosts.delete();
      }
    }
  }
  return run;
}
