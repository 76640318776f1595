// The kernel suite's backends and how one of its cases is taken and recorded: the shared case shape,
// impl named by the command that loads the text, the kube-proxy mode whose text it is, and what was loaded.
import { KernelBackend, KernelCase, KernelScenario } from "../../src/report/cases";
import { fmtTime } from "../../src/report/table";
import { Progress } from "../harness";
import { Ran } from "./netns";
import { Rulesets } from "./rulesets";
import { sampleStep, Sampling, Step } from "./sampler";

export type { KernelCase, KernelScenario } from "../../src/report/cases";

export interface Backend {
  /** The case's impl: the command that loads the text, backend first. */
  impl: KernelBackend;
  family: "iptables" | "nft" | "bpf";
  cmd: string;
}

export const BACKENDS: readonly Backend[] = [
  { impl: "iptables-legacy-restore", family: "iptables", cmd: "iptables-legacy-restore" },
  { impl: "iptables-nft-restore", family: "iptables", cmd: "iptables-nft-restore" },
  { impl: "nft-f", family: "nft", cmd: "nft" },
  { impl: "bpf-sock-lb", family: "bpf", cmd: "bpftool" },
];

/** The kube-proxy mode whose text a scenario loads (connect: the ruleset the syncs left). */
export function modeOf(family: Backend["family"], scenario: KernelScenario): string {
  if (family === "nft") return "nftables";
  if (family === "bpf") return "ebpf";
  if (scenario === "connect") return "iptables";
  return scenario === "partial-resync" || scenario === "add-service" ? "iptables-partial" : "iptables-full";
}

export interface KernelContext {
  sampling: Sampling;
  /** The limit (ms) for the untimed load a size needs when its timed first load was over the limit. */
  setupLimitMs: number;
  /** TCP connects per ruleset for the first-packet probe. */
  connects: number;
  progress: Progress;
  /** One line per finished case (when there is no progress line). */
  log: (line: string) => void;
  /** Called before every case with its label; a test makes it throw to fail a run midway. */
  onStep?: (label: string) => void;
  /** impl|scenario → the smallest N found over the limit. */
  readonly overAt: Map<string, number>;
}

/** Announces a case: progress, the injected hook. */
export function begin(ctx: KernelContext, label: string): void {
  ctx.progress.step(label);
  ctx.onStep?.(label);
}

/**
 * One timed case of backend b on rulesets r, loading text; not tried when a smaller N of the curve was over
 * the limit.
 */
export async function timedCase(
  ctx: KernelContext,
  b: Backend,
  r: Rulesets,
  scenario: KernelScenario,
  text: string,
  step: Step,
): Promise<KernelCase> {
  const label = `${b.impl} ${scenario} N=${r.n}`;
  begin(ctx, label);
  const key = `${b.impl}|${scenario}`,
    over = ctx.overAt.get(key);
  const base = {
    suite: "kernel" as const,
    impl: b.impl,
    n: r.n,
    scenario,
    endpoints: r.endpoints,
    mode: modeOf(b.family, scenario),
    text_bytes: text.length,
    text_lines: text.split("\n").length - 1,
  };
  const limit_ns = ctx.sampling.limitMs * 1e6;
  if (over !== undefined && over < r.n) {
    ctx.log(`${label}: not tried, over the limit at N=${over}`);
    return {
      ...base,
      median_ns: limit_ns,
      p99_ns: limit_ns,
      rme: 0,
      samples: 0,
      over_limit: true,
      limit_ns,
      not_tried: `over the limit at N=${over}`,
    };
  }
  const m = await sampleStep(step, ctx.sampling);
  if (m.over_limit) ctx.overAt.set(key, Math.min(r.n, over ?? Infinity));
  ctx.log(
    `${label}: ${m.over_limit ? `over the ${fmtTime(limit_ns)} limit` : `median ${fmtTime(m.median_ns)} over ${m.samples} samples`}`,
  );
  return { ...base, ...m };
}

/**
 * After a first load over the limit, the later cases of this size still need the ruleset: it is loaded
 * once more, untimed, within the setup limit; how long that took is kept on the first-load case.
 * False when even that did not finish (the size's other cases are then not run).
 */
export async function loadUntimed(
  ctx: KernelContext,
  first: KernelCase,
  reset: () => Promise<unknown>,
  load: (limitMs: number) => Promise<Ran>,
): Promise<boolean> {
  await reset();
  const r = await load(ctx.setupLimitMs);
  if (r.timedOut) {
    ctx.log(
      `${first.impl} N=${first.n}: the ruleset did not load within ${ctx.setupLimitMs / 1000} s; the other cases of this size are not run`,
    );
    return false;
  }
  first.untimed_load_ns = r.ns;
  ctx.log(`${first.impl} N=${first.n}: loaded untimed in ${fmtTime(r.ns)} for the cases that follow`);
  return true;
}
