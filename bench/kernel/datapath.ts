// The first packet in the kernel: from the node namespace, TCP connects to the ClusterIP of the Service
// whose rule sits last in KUBE-SERVICES; each is a new connection, so its SYN misses conntrack and
// walks the rules (iptables: every KUBE-SERVICES rule before it; nftables: one verdict-map lookup),
// is DNATed to a pod in the pods namespace, and the handshake completes. Latency per connect, ns.
import { Backend, begin, KernelCase, KernelContext, modeOf } from "./cases";
import { connectLatencies, Hosts } from "./hosts";
import { Rulesets } from "./rulesets";
import { summarize } from "./sampler";

/** Connects made first and left out: ARP, route and socket caches warm up. */
export const WARMUP = 10;

export async function connectCase(ctx: KernelContext, b: Backend, r: Rulesets, hosts: Hosts): Promise<KernelCase> {
  begin(ctx, `${b.impl} connect N=${r.n}`);
  const p = r.probe;
  const ns = (await connectLatencies(hosts.node, p.clusterIP, p.port, ctx.connects + WARMUP)).slice(WARMUP);
  const m = summarize(ns);
  ctx.log(
    `${b.impl} connect N=${r.n}: median ${(m.median_ns / 1e3).toFixed(0)} µs, p99 ${(m.p99_ns / 1e3).toFixed(0)} µs over ${m.samples} connects`,
  );
  return {
    suite: "kernel",
    impl: b.impl,
    n: r.n,
    scenario: "connect",
    endpoints: r.endpoints,
    mode: modeOf(b.family, "connect"),
    ...m,
    service: `${p.clusterIP}:${p.port}`,
    ...(b.family === "iptables" && { rules_before: p.rulesBefore }),
  };
}
