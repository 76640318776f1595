// A packet's way through the nftables hooks, as linux net/netfilter/nf_tables_core.c nft_do_chain walks them:
// prerouting base chains by priority (filter -110, then nat -100 where kube-proxy's "services" chain
// looks the packet up in the service-ips verdict map), then input or forward (priority 0) where
// packets nat left alone meet the no-endpoint and ClusterIP checks. jump returns, goto does not;
// numgen random mod N picks reciprocal_scale(random, N) (net/netfilter/nft_numgen.c).
import { MISS } from "../../core";
import { cidrContains } from "../../cluster/ip";
import { WasmBatch } from "../../wasm/batch";
import { Rng } from "../../util/rng";
import { Packet } from "../types";
import { WalkEnd } from "../walk-route";
import { Expr, Verdict } from "./rule";
import { NftChain, NftRuleset } from "./ruleset";

interface State {
  mark: number;
  dnat?: { ip: number; port: number };
  serviceChain?: string;
}

/** End of a chain walk: "next" means fall through / return to the caller. */
type End = "accept" | "drop" | "reject" | "next";

const MAX_DEPTH = 16;

function priorityOf(c: NftChain): number {
  return Number(/priority (-?\d+)/.exec(c.hook ?? "")?.[1] ?? 0);
}

export class NftWalker {
  private readonly batch = new WasmBatch(1);
  /** Base chains per hook by priority, as of the ruleset's baseChainsVersion. */
  private readonly bases = new Map<string, NftChain[]>();
  private basesVersion = -1;

  constructor(
    private readonly rs: NftRuleset,
    private readonly rng: Rng,
    private readonly isLocal: (a: number) => boolean,
  ) {}

  private base(hook: string): readonly NftChain[] {
    if (this.basesVersion !== this.rs.baseChainsVersion) {
      this.bases.clear();
      this.basesVersion = this.rs.baseChainsVersion;
    }
    let list = this.bases.get(hook);
    if (!list) {
      list = [...this.rs.chains.values()]
        .filter((c) => c.hook?.includes(`hook ${hook} `))
        .sort((a, b) => priorityOf(a) - priorityOf(b));
      this.bases.set(hook, list);
    }
    return list;
  }

  route(p: Packet, now: number): WalkEnd {
    const s: State = { mark: 0 };
    let pkt = p;
    for (const c of this.base("prerouting")) {
      const end = this.chain(c, pkt, s, now, 0);
      if (end === "drop" || end === "reject") return { kind: end, masq: false, serviceChain: s.serviceChain };
      if (s.dnat) pkt = { ...pkt, daddr: s.dnat.ip, dport: s.dnat.port };
    }
    const masq = (s.mark & 0x4000) !== 0;
    if (s.dnat) return { kind: "dnat", to: s.dnat, masq, serviceChain: s.serviceChain };
    for (const c of this.base(this.isLocal(pkt.daddr) ? "input" : "forward")) {
      const end = this.chain(c, pkt, s, now, 0);
      if (end === "drop" || end === "reject") return { kind: end, masq, serviceChain: s.serviceChain };
    }
    return { kind: "pass", masq };
  }

  private chain(c: NftChain, p: Packet, s: State, now: number, depth: number): End {
    if (s.serviceChain === undefined && c.name.startsWith("service-")) s.serviceChain = c.name;
    for (const rule of c.rules) {
      const end = this.rule(rule, p, s, now, depth);
      if (end !== undefined) return end;
    }
    return "next";
  }

  /** undefined: go on with the next rule. */
  private rule(exprs: readonly Expr[], p: Packet, s: State, now: number, depth: number): End | undefined {
    for (const e of exprs) {
      switch (e.k) {
        case "addr": {
          const a = e.field === "daddr" ? p.daddr : p.saddr;
          if (e.cidrs.some((c) => cidrContains(c, a)) === e.neg) return undefined;
          break;
        }
        case "inset": {
          const exp = this.rs.sets.get(e.set)?.elements.get(e.field === "daddr" ? p.daddr : p.saddr);
          if (exp === undefined || exp <= now) return undefined;
          break;
        }
        case "dport":
          if (p.proto !== e.proto || p.dport !== e.port) return undefined;
          break;
        case "l4proto":
          if (p.proto !== e.proto) return undefined;
          break;
        case "ctnew":
          break;
        case "markcmp":
          if ((s.mark & e.mask) !== e.value) return undefined;
          break;
        case "fiblocal":
          if (!this.isLocal(e.field === "daddr" ? p.daddr : p.saddr)) return undefined;
          break;
        case "vmap": {
          const id = this.lookup(e.map, e.withAddr ? p.daddr : 0, p);
          if (id === MISS) return undefined;
          return this.verdict(this.rs.verdicts[id], p, s, now, depth);
        }
        case "numgen": {
          const r = Math.floor((this.rng.u32() * e.mod) / 4294967296); // reciprocal_scale
          return this.verdict(e.targets[r], p, s, now, depth);
        }
        case "update": {
          const set = this.rs.sets.get(e.set)!;
          set.elements.set(p.saddr, set.timeoutMs > 0 ? now + set.timeoutMs : Infinity);
          break;
        }
        case "verdict":
          return this.verdict(e.v, p, s, now, depth);
        case "dnat":
          s.dnat = { ip: e.ip, port: e.port };
          return "accept";
        case "markset":
          s.mark = e.op === "or" ? s.mark | e.value : s.mark ^ e.value;
          break;
        case "masquerade":
          return "accept";
      }
    }
    return undefined;
  }

  private verdict(v: Verdict, p: Packet, s: State, now: number, depth: number): End | undefined {
    switch (v.kind) {
      case "accept":
      case "drop":
      case "reject":
        return v.kind;
      case "return":
        return "next";
      default: {
        if (depth >= MAX_DEPTH) return "drop";
        const end = this.chain(this.rs.chains.get(v.chain!)!, p, s, now, depth + 1);
        if (v.kind === "goto") return end;
        return end === "next" ? undefined : end;
      }
    }
  }

  private lookup(map: string, addr: number, p: Packet): number {
    const m = this.rs.maps.get(map);
    if (!m) return MISS;
    const b = this.batch;
    b.daddr[0] = addr;
    b.dport[0] = p.dport;
    b.proto[0] = p.proto;
    m.table.lookup(b, 0, 1);
    return b.out[0];
  }

  dispose(): void {
    this.batch.dispose();
  }
}
