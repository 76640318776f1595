// The eBPF case of the kernel suite: Cilium's socket-level Service load balancing (cilium bpf/bpf_sock.c,
// maps of bpf/lib/lb.h) as a small cgroup/connect4 program (bpf/sock_lb.c), compiled here with clang,
// loaded and pinned with bpftool in a private bpffs, attached to a cgroup v2 made for the run; the map
// entries the ebpf proxier writes go in with `bpftool batch` (one process, as `nft -f` and the restores
// are one): the first load of N Services' entries (maps emptied before each sample), one new Service
// (deleted again after each sample, untimed) and its deletion. Then TCP connects from the node namespace,
// from a process in that cgroup, to the same Service the iptables and nft cases probe: the program
// rewrites the socket's destination to a pod at connect(), so the SYN leaves addressed to the pod.
// What it leaves out against Cilium: the per-packet TC path for traffic that is not from a local socket,
// NodePort and XDP, reverse NAT for UDP, session affinity, health checking, Maglev.
import path from "node:path";
import { SvcbenchError } from "../../src/core";
import { PACKAGE_ROOT } from "../../src/util/root";
import { Backend, begin, KernelCase, KernelContext, timedCase } from "./cases";
import { WARMUP } from "./datapath";
import { BpfTexts, pinnedAt, renderBpfTexts } from "./bpf-texts";
import { bpffs, cgroup, tempDir } from "./bpf-resources";
import { heldResources, removeSince } from "./resources";
import { Hosts, PROBE_ARGS } from "./hosts";
import { run } from "./netns";
import { Rulesets } from "./rulesets";
import { summarize } from "./sampler";

const BPF_SOURCE = path.join(PACKAGE_ROOT, "bench", "kernel", "bpf", "sock_lb.c");

/** clang -target bpf with the multiarch include folder (asm/types.h), the maps sized to mapMax. */
async function compile(dir: string, mapMax: number): Promise<string> {
  const arch = await run("gcc", ["-print-multiarch"]);
  const obj = path.join(dir, "sock_lb.o");
  const r = await run("clang", [
    "-O2",
    "-g",
    "-target",
    "bpf",
    `-I/usr/include/${arch.stdout.trim()}`,
    `-DLB_MAP_MAX=${mapMax}`,
    "-c",
    BPF_SOURCE,
    "-o",
    obj,
  ]);
  if (r.code !== 0)
    throw new SvcbenchError(
      `clang could not compile ${path.basename(BPF_SOURCE)}: ${r.stderr.trim().split("\n").slice(0, 3).join(" / ")}`,
    );
  return obj;
}

async function tool(args: string[]): Promise<void> {
  const r = await run("bpftool", args);
  if (r.code !== 0)
    throw new SvcbenchError(
      `bpftool ${args.join(" ")} failed: ${r.stderr.trim().split("\n")[0] || `exit code ${r.code}`}`,
    );
}

interface SockLb {
  cgroup: string;
  maps: string;
}

/** Compiles, loads, pins and attaches the program; everything it made is recorded for removal. */
export async function loadSockLb(mapMax: number): Promise<SockLb> {
  const obj = await compile(tempDir("bpf"), mapMax);
  const fs = bpffs();
  const prog = path.join(fs, "sock4_connect"),
    maps = path.join(fs, "maps");
  await tool(["prog", "load", obj, prog, "type", "cgroup/connect4", "pinmaps", maps]);
  const cg = cgroup((dir) => ["cgroup", "detach", dir, "connect4", "pinned", prog]);
  await tool(["cgroup", "attach", cg, "connect4", "pinned", prog]);
  return { cgroup: cg, maps };
}

/** COUNT connects from a process that joins the cgroup first, then enters the node namespace. */
async function connectsInCgroup(
  hosts: Hosts,
  cg: string,
  addr: string,
  port: number,
  count: number,
): Promise<number[]> {
  // ip netns exec mounts its own /sys: the process joins the cgroup before it enters the namespace.
  const script = `echo $$ > "$1/cgroup.procs" && shift && exec ip netns exec "$@"`;
  const args = [cg, hosts.node.name, process.execPath, ...PROBE_ARGS, "connect", addr, String(port), String(count)];
  const r = await run("sh", ["-c", script, "sh", ...args], "", 120000);
  if (r.code !== 0)
    throw new SvcbenchError(`connecting through the BPF program to ${addr}:${port} failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as number[];
}

export async function bpfCases(
  ctx: KernelContext,
  b: Backend,
  r: Rulesets,
  hosts: Hosts,
  seed: number,
): Promise<KernelCase[]> {
  const mark = heldResources().length;
  try {
    let raw: BpfTexts;
    try {
      raw = renderBpfTexts(r.n, r.endpoints, seed);
    } catch (err) {
      // More frontends than Cilium's 16-bit service IDs: Cilium could not hold this cluster either.
      if (!(err instanceof SvcbenchError)) throw err;
      ctx.log(`${b.impl} N=${r.n}: not run: ${err.message}`);
      return [];
    }
    const lb = await loadSockLb(raw.mapMax);
    const t = pinnedAt(raw, lb.maps);
    const batch = (text: string) => (limitMs: number) =>
      hosts.node.bounded(b.cmd, ["batch", "file", "-"], text, limitMs);
    const must = (text: string) => hosts.node.must(b.cmd, ["batch", "file", "-"], text, ctx.setupLimitMs);
    const extra = { map_max: raw.mapMax };
    let loaded = false; // the maps start empty; before every later sample they are emptied again
    const first = await timedCase(ctx, b, r, "first-load", t.firstLoad, {
      before: async () => {
        if (loaded) await must(t.flush);
      },
      timed: batch(t.firstLoad),
      after: async () => {
        loaded = true;
      },
    });
    const out: KernelCase[] = [{ ...first, ...extra }];
    if (first.over_limit) {
      await must(t.flush).catch(() => undefined);
      await must(t.firstLoad);
    }
    out.push({
      ...(await timedCase(ctx, b, r, "add-service", t.addService, {
        timed: batch(t.addService),
        after: () => must(t.deleteService),
      })),
      ...extra,
    });
    out.push({
      ...(await timedCase(ctx, b, r, "delete-service", t.deleteService, {
        before: () => must(t.addService),
        timed: batch(t.deleteService),
      })),
      ...extra,
    });
    begin(ctx, `${b.impl} connect N=${r.n}`);
    const p = r.probe;
    const ns = (await connectsInCgroup(hosts, lb.cgroup, p.clusterIP, p.port, ctx.connects + WARMUP)).slice(WARMUP);
    const m = summarize(ns);
    ctx.log(`${b.impl} connect N=${r.n}: median ${(m.median_ns / 1e3).toFixed(0)} µs over ${m.samples} connects`);
    out.push({
      suite: "kernel",
      impl: b.impl,
      n: r.n,
      scenario: "connect",
      endpoints: r.endpoints,
      mode: "ebpf",
      ...m,
      service: `${p.clusterIP}:${p.port}`,
      ...extra,
    });
    return out;
  } finally {
    removeSince(mark);
  }
}
