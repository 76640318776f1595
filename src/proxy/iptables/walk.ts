// A packet's way through the tables, as linux net/ipv4/netfilter/ip_tables.c ipt_do_table walks them:
// nat PREROUTING jumps to KUBE-SERVICES, rules match in order, a jump returns when its chain ends,
// DNAT and REJECT end the walk. Packets nat did not rewrite then meet the filter chains kube-proxy
// fills (KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-PROXY-FIREWALL) as NEW.
import { MISS } from "../../core";
import { cidrContains } from "../../cluster/ip";
import { WasmBatch } from "../../wasm/batch";
import { Rng } from "../../util/rng";
import { Packet } from "../types";
import { WalkEnd } from "../walk-route";
import { IptRule } from "./rule";
import { IptablesTables, TableName } from "./tables";

export const MASQUERADE_MARK = 0x4000;

interface State {
  mark: number;
  serviceChain?: string;
  comment?: string;
}

type End = { kind: "dnat" | "reject" | "drop" | "accept"; to?: { ip: number; port: number } } | undefined;

const MAX_DEPTH = 16;

export class IptablesWalker {
  /** xt_recent lists: name → source address → last seen (ms). */
  private readonly recent = new Map<string, Map<number, number>>();
  private readonly batch = new WasmBatch(1);

  constructor(
    private readonly tables: IptablesTables,
    private readonly rng: Rng,
    private readonly isLocal: (addr: number) => boolean,
  ) {}

  route(p: Packet, now: number): WalkEnd {
    const s: State = { mark: 0 };
    const end = this.kubeServices(p, s, now);
    const masq = (s.mark & MASQUERADE_MARK) !== 0;
    if (end?.kind === "dnat") return { kind: "dnat", to: end.to, masq, serviceChain: s.serviceChain };
    if (end && end.kind !== "accept") return { kind: end.kind, masq, serviceChain: s.serviceChain, comment: s.comment };
    for (const chain of ["KUBE-PROXY-FIREWALL", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"]) {
      const f = this.walk("filter", chain, 0, p, s, now, 0);
      if (f && f.kind !== "accept" && f.kind !== "dnat") return { kind: f.kind, masq, comment: s.comment };
    }
    return { kind: "pass", masq };
  }

  /** nat KUBE-SERVICES: the WebAssembly chain finds the first portal rule that matches; the rest is walked. */
  private kubeServices(p: Packet, s: State, now: number): End {
    const b = this.batch;
    b.setPacket(0, p);
    this.tables.kubeServices.lookup(b, 0, 1);
    const hit = b.out[0];
    const rules = this.tables.rulesOf("nat", "KUBE-SERVICES") ?? [];
    if (hit !== MISS) {
      const end = this.apply("nat", rules[hit], p, s, now, 0);
      if (end) return end;
      return this.walk("nat", "KUBE-SERVICES", hit + 1, p, s, now, 0);
    }
    return this.walk("nat", "KUBE-SERVICES", this.tables.kubeServicesPrefix, p, s, now, 0);
  }

  private walk(table: TableName, chain: string, from: number, p: Packet, s: State, now: number, depth: number): End {
    const rules = this.tables.rulesOf(table, chain);
    if (!rules) return undefined;
    if (s.serviceChain === undefined && chain.startsWith("KUBE-SVC-")) s.serviceChain = chain;
    for (let i = from; i < rules.length; i++) {
      const r = rules[i];
      if (!this.matches(r, p, s, now)) continue;
      if (r.target === "RETURN") return undefined;
      const end = this.apply(table, r, p, s, now, depth);
      if (end) return end;
    }
    return undefined;
  }

  /** The target of a matching rule: an end, or undefined to go on with the next rule. */
  private apply(table: TableName, r: IptRule, p: Packet, s: State, now: number, depth: number): End {
    switch (r.target) {
      case "DNAT":
        return { kind: "dnat", to: r.toDestination };
      case "REJECT":
        s.comment = r.comment;
        return { kind: "reject" };
      case "DROP":
        s.comment = r.comment;
        return { kind: "drop" };
      case "ACCEPT":
        return { kind: "accept" };
      case "MARK":
        if (r.markOp) s.mark = r.markOp.op === "or" ? s.mark | r.markOp.value : s.mark ^ r.markOp.value;
        return undefined;
      case "MASQUERADE":
        return undefined;
      case "":
        return undefined; // no target: counts and goes on
      default:
        if (depth >= MAX_DEPTH) return { kind: "drop" }; // the kernel refuses loops at load time; never here
        return this.walk(table, r.jump!.name, 0, p, s, now, depth + 1);
    }
  }

  private matches(r: IptRule, p: Packet, s: State, now: number): boolean {
    if (r.proto !== undefined && r.proto !== p.proto) return false;
    if (r.dport !== undefined && r.dport !== p.dport) return false;
    if (r.dst && cidrContains(r.dst, p.daddr) === !!r.dstNeg) return false;
    if (r.src && cidrContains(r.src, p.saddr) === !!r.srcNeg) return false;
    if (r.dstLocal && !this.isLocal(p.daddr)) return false;
    if (r.srcLocal && !this.isLocal(p.saddr)) return false;
    if (r.mark && ((s.mark & r.mark.mask) >>> 0 === r.mark.value >>> 0) === r.mark.neg) return false;
    if (r.ctstate && r.ctstate.states.includes("NEW") === r.ctstate.neg) return false;
    if (r.recent) {
      let list = this.recent.get(r.recent.name);
      if (r.recent.set) {
        if (!list) this.recent.set(r.recent.name, (list = new Map()));
        list.set(p.saddr, now);
      } else {
        const seen = list?.get(p.saddr);
        if (seen === undefined) return false;
        if (r.recent.seconds !== undefined && now - seen > r.recent.seconds * 1000) {
          list!.delete(p.saddr); // --reap
          return false;
        }
      }
    }
    if (r.probability !== undefined && (this.rng.u32() & 0x7fffffff) >= r.probability) return false;
    return true;
  }

  dispose(): void {
    this.batch.dispose();
  }
}
