// The kernel suite in REPORT.md: real iptables-restore (legacy and nft backends) and nft on the
// rulesets svcbench renders, beside the model's syncs of the same changes; findings, the model vs
// kernel slope table and chart, the first-packet connects (its findings: kernel-findings.ts).
import { bars, ChartSpec, nsOverServices } from "./charts";
import { casesOf } from "./cases";
import { kernelFindings } from "./kernel-findings";
import { changeName, connectRows, overLimit, PAIRINGS, slopeOf, slopeRows, stepRows, syncRange } from "./kernel-tables";
import { fitCases } from "./fit";
import { mdTable } from "./markdown";
import { ReportSection } from "./section";

export const kernelSection: ReportSection = {
  suite: "kernel",
  related: ["sync", "lookup"],
  title: "Model vs kernel: real iptables-restore, nft and a BPF socket LB on the same clusters (kernel)",

  findings: kernelFindings,

  body(all, fits) {
    const steps = stepRows(all),
      conn = connectRows(all),
      slopes = slopeRows(all, fits);
    const range = syncRange(all);
    return [
      "`npm run bench:kernel` loads the iptables and nftables proxiers' own texts for N Services × 2 pods into private network namespaces: " +
        "`iptables-legacy-restore` and `iptables-nft-restore` (`-w 5 --noflush --counters`, as kube-proxy calls it) and `nft -f`. Each time is the wall time " +
        "of the command, from fork to exit, as kube-proxy waits for it (`ip netns exec` included, a few ms; see `exec_overhead_ns` in `kernel.json`). " +
        "first-load: into emptied tables; full-resync / partial-resync: one more pod behind one Service, full or partial text, on the loaded ruleset; " +
        "add-service: a new Service (removed again, untimed, after each sample); delete-service (nft): its elements deleted and chains flushed, then its chains deleted a sync later. " +
        "bpf-sock-lb: a cgroup/connect4 program after Cilium's socket LB (bench/kernel/bpf/sock_lb.c), the ebpf proxier's map writes for the same changes loaded with `bpftool batch` " +
        "(first-load into emptied maps; delete-service: the Service's slots, frontend and backends deleted); it leaves out Cilium's per-packet TC path, NodePort/XDP, reverse NAT for UDP, affinity, health checking and Maglev. " +
        'A step killed at the per-step limit shows as "> limit"; larger N of that curve are not tried. The model-* columns time the model\'s own syncs of the same changes on the same clusters in the same run ' +
        "(event, controller, change tracking, render and model kernel).",
      "Median time per step (p99, rme, samples, text sizes in `kernel.json`):",
      mdTable(steps.headers, steps.rows),
      ...(slopes.rows.length > 0
        ? [
            'Model vs kernel: the log-log slope of each curve over N (0 flat, 1 linear, 2 quadratic; "N ≤ …": the fit stops where the kernel went over the limit). ' +
              `A kernel slope near the model's says the model grows like the real thing; the model's absolute times are not the kernel's.${range ? ` The sync.json column fits the sync suite's own sweep (N ${range}, 2 pods per Service).` : ""}`,
            mdTable(slopes.headers, slopes.rows),
          ]
        : []),
      ...(conn.rows.length > 0
        ? [
            "First packet: TCP connect latency from the node namespace to the ClusterIP of the Service whose rule sits last in KUBE-SERVICES, " +
              "DNATed to a pod in the pods namespace over a veth (each connect is a new connection, so its SYN walks the rules). " +
              "The constant part, tens of µs, is the probe's own socket and event-loop work and the veth; what grows with N is the walk of the rules:",
            mdTable(conn.headers, conn.rows),
          ]
        : []),
    ].join("\n\n");
  },

  charts(all): ChartSpec[] {
    const k = casesOf(all, "kernel").filter((c) => !overLimit(c));
    const steps = k
      .filter((c) => c.scenario !== "connect")
      .map((c) => ({ n: c.n, ns: c.median_ns, impl: c.impl, scenario: c.scenario }));
    const fits = fitCases(all);
    const range = syncRange(all);
    const slopes = PAIRINGS.flatMap((p) => {
      const change = `${changeName(p)}, ${p.mode}`;
      const src: [string, ReturnType<typeof slopeOf>][] = [
        ["model, this run", p.model ? slopeOf(all, fits, "kernel", p.model, p.scenario) : undefined],
        ["model, sync.json", p.sync && range ? slopeOf(all, fits, "sync", p.sync[0], p.sync[1]) : undefined],
        ...p.kernel.map((i): [string, ReturnType<typeof slopeOf>] => [i, slopeOf(all, fits, "kernel", i, p.scenario)]),
      ];
      return src
        .filter(([, s]) => s !== undefined)
        .map(([source, s]) => ({ change, source, slope: Number(s!.slope.toFixed(3)) }));
    });
    const conn = k.filter((c) => c.scenario === "connect").map((c) => ({ n: c.n, ns: c.median_ns, impl: c.impl }));
    return [
      ...nsOverServices("kernel.svg", "Kernel vs model: time per step vs Services", steps, "step", "scenario"),
      ...(slopes.length > 0
        ? [
            bars(
              "kernel-slopes.svg",
              "Model vs kernel: log-log slope of time over N",
              slopes,
              { field: "slope", title: "log-log slope" },
              "change",
              "source",
            ),
          ]
        : []),
      ...nsOverServices("kernel-connect.svg", "First packet: TCP connect latency vs Services", conn, "connect"),
    ];
  },
};
