// The sched suite in REPORT.md: IPVS scheduler pick cost, the connection table's fast path,
// balance over pods of different speeds, and flows moved on pod churn.
import { SCHEDULERS } from "../ipvs";
import { bars, ChartSpec, logLogLines } from "./charts";
import {
  BalanceCase,
  balanceOf,
  casesOf,
  conntrackOf,
  DisruptionCase,
  disruptionOf,
  picksOf,
  SchedCase,
} from "./cases";
import { at, fitTable, mdTable, num, pivot, x } from "./markdown";
import { ReportSection } from "./section";
import { fmtNs } from "./table";

const PICK_IMPLS = [...SCHEDULERS.flatMap((s) => [s, `${s}-ts`]), "maglev-16381", "maglev-16381-ts"];
const pct = (v: number | undefined) => (v !== undefined ? `${(v * 100).toFixed(1)}%` : "-");
const fixed = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) ? v.toFixed(d) : "-");
const sizes = (cases: SchedCase[]) => [...new Set(cases.map((c) => c.n))].sort((a, b) => a - b);

function pickFindings(all: SchedCase[]): string[] {
  const picks = picksOf(all),
    ns = sizes(picks);
  if (ns.length === 0) return [];
  const big = ns[ns.length - 1],
    out: string[] = [];
  const lc = at(picks, "lc", big),
    dh = at(picks, "dh", big),
    mh = at(picks, "mh", big),
    rr = at(picks, "rr", big);
  if (lc !== undefined && rr !== undefined && dh !== undefined && mh !== undefined) {
    out.push(
      `An IPVS pick at ${num(big)} dests costs ${fmtNs(rr)} ns (rr), ${fmtNs(dh)} ns (dh) and ${fmtNs(mh)} ` +
        `ns (mh, a SipHash per pick), but ${fmtNs(lc)} ns for lc, which scans every dest: the ` +
        `least-connection family grows linearly with the pods of a Service.`,
    );
  }
  const ratios = ns
    .map((n) => {
      const a = at(picks, "mh", n),
        b = at(picks, "dh", n);
      return a && b ? a / b : undefined;
    })
    .filter((r): r is number => r !== undefined);
  if (ratios.length > 0)
    out.push(
      `Maglev (mh) costs ${x(Math.min(...ratios))}–${x(Math.max(...ratios))} a dh pick: the kernel's hsiphash is four SipRounds of 64-bit add-rotate-xor, dh one multiply.`,
    );
  const speed = SCHEDULERS.map((s) => {
    const a = at(picks, `${s}-ts`, big),
      b = at(picks, s, big);
    return a && b ? a / b : undefined;
  }).filter((r): r is number => r !== undefined);
  if (speed.length > 0)
    out.push(
      `The WebAssembly schedulers run ${x(Math.min(...speed))}–${x(Math.max(...speed))} faster than their TypeScript twins at ${num(big)} dests.`,
    );
  return out;
}

function otherFindings(all: SchedCase[]): string[] {
  const out: string[] = [];
  const ct = all.filter((c) => c.impl === "conntrack"),
    big = Math.max(...ct.map((c) => c.n));
  const hit = at(ct, "conntrack", big, "hit"),
    miss = at(ct, "conntrack", big, "miss"),
    rsz = at(all, "conntrack-rsz", big, "miss");
  if (hit !== undefined && miss !== undefined) {
    out.push(
      `Only a connection's first packet reaches the scheduler: at ${num(big)} Services an established ` +
        `packet costs ${fmtNs(hit)} ns in the connection table, a first packet ${fmtNs(miss)} ns ` +
        `(${x(miss / hit)}), most of it the walk of the kernel's 256-bucket service table` +
        (rsz !== undefined ? ` (${fmtNs(rsz)} ns with the resizable table).` : "."),
    );
  }
  const kp = (s: BalanceCase["impl"]) =>
    balanceOf(all).find((c) => c.impl === s && c.scenario === "balance-kube-proxy");
  const [rr, wlc, sed, dh] = (["rr", "wlc", "sed", "dh"] as const).map(kp);
  if (rr && wlc && sed && dh) {
    out.push(
      `With kube-proxy's weights (all 1) over pods of speeds ${rr.speeds.join(", ")} at ${rr.load * 100}% ` +
        `load, rr leaves pod utilization at Jain ${fixed(rr.jain, 2)} (p99 ${fixed(rr.p99_queue, 0)} ` +
        `connections queued at a pod, slow pods overrun); lc/wlc reach ${fixed(wlc.jain, 2)} (p99 queue ` +
        `${fixed(wlc.p99_queue, 0)}), sed/nq the shortest mean response (${fixed(sed.mean_response_ms, 0)} ` +
        `ms vs ${fixed(rr.mean_response_ms, 0)} ms for rr); dh keys on the destination address, so one ` +
        `ClusterIP goes to one pod (Jain ${fixed(dh.jain, 2)}).`,
    );
  }
  return [...out, ...disruptionFindings(disruptionOf(all))];
}

/** Flows moved on pod churn, and, where N passes a table's size, how many pods get no connection at all. */
function disruptionFindings(dis: DisruptionCase[]): string[] {
  const out: string[] = [];
  const mh = dis.filter((c) => c.impl === "mh"),
    how = dis.length > 0 ? ` (mean over ${dis[0].removals} pods that hold a table entry)` : "";
  if (mh.length > 0) {
    out.push(
      `When one of N pods goes${how}, mh moves ${mh.map((c) => `${pct(c.moved_remove)} at N = ${num(c.n)}`).join(", ")} of flows (ideal 1/N); its fixed 4093-slot table keeps that near 1/N only while N is well below 4093/100.`,
    );
  }
  const cm = dis.find((c) => c.impl === "maglev-16381" && c.n === 100),
    mh100 = mh.find((c) => c.n === 100);
  if (cm) {
    out.push(
      `Cilium's Maglev (16381 slots, murmur3 of each backend's name, one slot per backend per turn) moves ${pct(cm.moved_remove)} of flows when one of 100 backends goes (the backend's own ${pct(cm.removed_share)}, ideal 1%)` +
        (mh100 ? `, IPVS mh (4093 slots) ${pct(mh100.moved_remove)}` : "") +
        `; its slots per backend stay within ${fixed(cm.slots_min_over_mean, 3)}–${fixed(cm.slots_max_over_mean, 3)} of the mean.`,
    );
  }
  const dh = dis.find((c) => c.impl === "dh" && c.n === 100),
    sh = dis.find((c) => c.impl === "sh" && c.n === 100);
  if (dh && sh)
    out.push(
      `dh and sh refill their 256 buckets in list order on every change: one pod going moves ${pct(dh.moved_remove)} (dh) and ${pct(sh.moved_remove)} (sh) of flows at N = 100.`,
    );
  for (const c of dis.filter((x) => x.over_table)) {
    const idle = c.n - Math.round(c.dests_with_entries * c.n);
    out.push(
      `${c.impl} at N = ${num(c.n)} has more pods than its ${num(c.table_size)}-entry table: only ` +
        `${pct(c.dests_with_entries)} of pods hold an entry, the other ${num(idle)} never get a new ` +
        `connection; removing a pod that holds one moves ${pct(c.moved_remove)} of flows, where that pod ` +
        `itself held ${pct(c.removed_share)}.`,
    );
  }
  return out;
}

function balanceBody(cases: BalanceCase[]): string {
  const weightings = [...new Set(cases.map((c) => c.scenario))];
  const rows = SCHEDULERS.filter((s) => cases.some((c) => c.impl === s)).map((s) => [
    s,
    ...weightings.flatMap((w) => {
      const c = cases.find((x) => x.impl === s && x.scenario === w);
      return [fixed(c?.max_mean, 2), fixed(c?.jain, 3), fixed(c?.p99_queue, 0), fixed(c?.mean_response_ms, 0)];
    }),
  ]);
  const c0 = cases[0];
  return (
    `Balance: ${num(c0.connections)} connections (Poisson, jobs of mean ${c0.meanWorkMs} ms of work) to ${c0.n} pods of speeds ${c0.speeds.join(", ")} at ${c0.load * 100}% load; each pod serves one connection at a time; a closed connection waits out TIME_WAIT as inactive. ` +
    "Weights: kube-proxy's (all 1) or the pods' capacity. Utilization max/mean, Jain's index over utilization, p99 of the connections at the chosen pod when one arrives, mean response:\n\n" +
    mdTable(
      [
        "sched",
        ...weightings.flatMap((w) => [`${w.replace("balance-", "")} max/mean`, "Jain", "p99 queue", "resp ms"]),
      ],
      rows,
    )
  );
}

export const schedSection: ReportSection = {
  suite: "sched",
  title: "Per new connection: the IPVS scheduler and the connection table (sched)",

  findings: (all) => [...pickFindings(casesOf(all, "sched")), ...otherFindings(casesOf(all, "sched"))],

  body(all, fits) {
    const sched = casesOf(all, "sched"),
      picks = picksOf(sched),
      parts: string[] = [];
    if (picks.length > 0) {
      parts.push(
        "Median ns per pick by number of dests (batch 1024; each pick counts as a new connection; `-ts`: the TypeScript twin):",
        pivot(
          picks,
          PICK_IMPLS.filter((i) => picks.some((c) => c.impl === i)),
        ),
      );
    }
    const ct = conntrackOf(sched);
    if (ct.length > 0) {
      const impls = (["conntrack", "conntrack-rsz", "conntrack-ts"] as const).filter((i) =>
        ct.some((c) => c.impl === i),
      );
      parts.push(
        `Median ns per packet through the route with ${num(ct[0].connections)} established connections in ` +
          `${num(ct[0].buckets)} buckets: hit (established) and miss (first packet: lookup, schedule, record, ` +
          `and one expiry). Tables: conntrack = svctable-fixed, -rsz = svctable-resizable, -ts = JS Map:`,
        mdTable(
          ["Services", ...impls.flatMap((i) => [`${i} hit`, `${i} miss`])],
          sizes(ct).map((n) => [
            num(n),
            ...impls.flatMap((i) => [fmtNs(at(ct, i, n, "hit")), fmtNs(at(ct, i, n, "miss"))]),
          ]),
        ),
      );
    }
    const bal = balanceOf(sched);
    if (bal.length > 0) parts.push(balanceBody(bal));
    const dis = disruptionOf(sched);
    if (dis.length > 0) {
      const how = `, the mean over ${dis[0].removals} pods drawn at random among those that hold a table entry`;
      parts.push(
        `Flows moved when one of N pods is removed${how} (in brackets: the flows the removed pod held ` +
          `itself, and 1/N) or one is added (1/(N+1)); the share of pods that hold at least one table entry; ` +
          `ns per dest change with its table rebuild:`,
        mdTable(
          ["sched", "N", "table", "pods with an entry", "moved on remove", "moved on add", "ns per change"],
          dis.map((c) => [
            c.impl,
            `${num(c.n)}${c.over_table ? " (over)" : ""}`,
            num(c.table_size),
            pct(c.dests_with_entries),
            `${pct(c.moved_remove)} (${pct(c.removed_share)}; ${pct(c.ideal_remove)})`,
            `${pct(c.moved_add)} (${pct(c.ideal_add)})`,
            fmtNs(c.median_ns),
          ]),
        ) +
          (dis.some((c) => c.over_table)
            ? "\n\n(over): more pods than table entries; the pods without an entry never get a new connection."
            : ""),
      );
    }
    const f = fits.filter((x) => x.scenario === undefined);
    if (f.length > 0) parts.push("Complexity fit of pick cost against the number of dests:", fitTable(f));
    return parts.join("\n\n");
  },

  charts(all): ChartSpec[] {
    const charts: ChartSpec[] = [],
      sched = casesOf(all, "sched");
    const picks = picksOf(sched)
      .filter((c) => !c.impl.endsWith("-ts"))
      .map((c) => ({ n: c.n, ns: c.median_ns, sched: c.impl }));
    if (picks.length > 0) {
      charts.push(
        logLogLines(
          "sched-pick.svg",
          "IPVS scheduler: ns per pick vs dests",
          picks,
          { field: "n", title: "dests" },
          { field: "ns", title: "ns per pick (median)" },
          "sched",
        ),
      );
    }
    const bal = balanceOf(sched).map((c) => ({
      sched: c.impl,
      jain: c.jain,
      weights: c.scenario.replace("balance-", ""),
    }));
    if (bal.length > 0)
      charts.push(
        bars(
          "sched-balance.svg",
          "Jain's index of pod utilization (1 = even)",
          bal,
          { field: "jain", title: "Jain's index" },
          "sched",
          "weights",
        ),
      );
    const moved = disruptionOf(sched).map((c) => ({
      sched: `${c.impl}, N = ${num(c.n)}`,
      moved: c.moved_remove,
      own: c.removed_share,
      ideal: c.ideal_remove,
    }));
    if (moved.length > 0) {
      const rows = moved
        .flatMap((r) => [
          { sched: r.sched, share: r.moved, of: "moved" },
          { sched: r.sched, share: r.own, of: "the removed pod's own" },
          { sched: r.sched, share: r.ideal, of: "ideal (1/N)" },
        ])
        .filter((r) => Number.isFinite(r.share));
      charts.push(
        bars(
          "sched-disruption.svg",
          "Flows moved when one of N pods is removed",
          rows,
          { field: "share", title: "share of flows" },
          "sched",
          "of",
        ),
      );
    }
    return charts;
  },
};
