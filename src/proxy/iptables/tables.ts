// iptables state as iptables/iptables-restore.c --noflush leaves it in linux net/ipv4/netfilter/ip_tables.c:
// per table, chains of rules. Each table block commits atomically; ":CHAIN" creates or flushes, "-A"
// appends, "-X" deletes an unreferenced chain; "-j" must name a built-in target or a chain that
// exists by then. The nat KUBE-SERVICES chain's "-d VIP -p P --dport D -j T" rules also live in a
// WebAssembly chain, which routing scans.
import { ServiceEntry, SvcbenchError } from "../../core";
import { WasmChain } from "../../wasm/chain";
import { BUILTIN_TARGETS, Chain, flat, IptRule, isPortalRule, parseRule, words } from "./rule";

export type TableName = "nat" | "filter";
const BUILTIN_CHAINS: Record<TableName, readonly string[]> = {
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};
const MAX_CHAIN_NAME = 28; // XT_EXTENSION_MAXNAMELEN - 1

interface RestoreResult {
  /** "-A" lines applied. */
  rules: number;
  bytes: number;
}

/** One table block being read: new rule lists per chain (null: delete), new chains. */
interface Block {
  table: TableName;
  staged: Map<Chain, IptRule[] | null>;
  created: Map<string, Chain>;
}

/** iptables-restore's refusal of a line: the run stops there, the block is not committed. */
function refuse(where: string, m: string): never {
  throw new SvcbenchError(`iptables-restore: ${where}: ${m}`);
}

export class IptablesTables {
  readonly chains: Record<TableName, Map<string, Chain>> = { nat: new Map(), filter: new Map() };
  private readonly names = new Map<string, string>();
  /** nat KUBE-SERVICES: its leading portal rules, scanned in WebAssembly; target = rule index. */
  readonly kubeServices: WasmChain;
  /** How many leading rules of nat KUBE-SERVICES the WebAssembly chain holds. */
  kubeServicesPrefix = 0;

  constructor(scan: "scalar" | "simd" = "simd") {
    for (const t of ["nat", "filter"] as const)
      for (const c of BUILTIN_CHAINS[t]) this.chains[t].set(c, { name: c, rules: [], refs: 0 });
    this.kubeServices = new WasmChain(scan);
  }

  private readonly intern = (s: string): string => {
    let v = this.names.get(s);
    if (v === undefined) {
      v = flat(s);
      this.names.set(v, v);
    }
    return v;
  };

  rulesOf(table: TableName, chain: string): readonly IptRule[] | undefined {
    return this.chains[table].get(chain)?.rules;
  }

  /** iptables-restore --noflush: all of a table block or none of it. */
  restore(text: string): RestoreResult {
    let b: Block | undefined;
    let rules = 0,
      lineNo = 0,
      pos = 0;
    const len = text.length;
    while (pos < len) {
      let end = text.indexOf("\n", pos);
      if (end < 0) end = len;
      const start = pos;
      pos = end + 1;
      lineNo++;
      if (end === start) continue;
      const c = text.charCodeAt(start);
      if (c === 35 /* # */) continue;
      const where = `line ${lineNo}`;
      if (c === 45 /* - */ && text.charCodeAt(start + 1) === 65 /* A */ && b) {
        this.append(b, words(text, start + 3, end), where);
        rules++;
      } else {
        b = this.command(b, text.slice(start, end), where);
      }
    }
    if (b) throw new SvcbenchError(`iptables-restore: table ${b.table} has no COMMIT`);
    return { rules, bytes: text.length };
  }

  /** -A CHAIN rule…: the rule parsed and staged at the end of its chain, its jump target resolved. */
  private append(b: Block, w: string[], where: string): void {
    const chain =
      this.find(b, w[0]) ?? refuse(where, `Couldn't load target/chain \`${w[0]}': No chain/target/match by that name`);
    let list = b.staged.get(chain);
    if (list === null) refuse(where, `chain ${chain.name} was deleted above`);
    if (list === undefined) b.staged.set(chain, (list = chain.rules.slice()));
    const r = parseRule(w, 1, this.intern, where);
    if (r.target !== "" && !BUILTIN_TARGETS.has(r.target)) {
      r.jump =
        this.find(b, r.target) ??
        refuse(where, `Couldn't load target \`${r.target}': No chain/target/match by that name`);
    }
    list!.push(r);
  }

  /** Any other line: *table, COMMIT, :CHAIN (declared and emptied), -X CHAIN. Answers the block open after it. */
  private command(b: Block | undefined, line: string, where: string): Block | undefined {
    const c = line.charCodeAt(0);
    if (c === 42 /* * */) {
      if (b) refuse(where, `table ${line} begins before COMMIT of ${b.table}`);
      const name = line.slice(1);
      if (name !== "nat" && name !== "filter") refuse(where, `table '${name}' is not modelled`);
      return { table: name, staged: new Map(), created: new Map() };
    }
    if (!b) return refuse(where, "no table selected (missing *table line)");
    if (line === "COMMIT") {
      this.commit(b, where);
      return undefined;
    }
    if (c === 58 /* : */) {
      const sp = line.indexOf(" ");
      const name = line.slice(1, sp < 0 ? line.length : sp);
      if (name.length === 0 || name.length > MAX_CHAIN_NAME) refuse(where, `invalid chain name \`${name}'`);
      let chain = this.find(b, name);
      if (!chain) b.created.set(name, (chain = { name: this.intern(name), rules: [], refs: 0 }));
      b.staged.set(chain, []);
    } else if (line.startsWith("-X ")) {
      const name = line.slice(3);
      if (BUILTIN_CHAINS[b.table].includes(name)) refuse(where, `cannot delete built-in chain ${name}`);
      const chain = this.find(b, name) ?? refuse(where, `chain ${name} does not exist`);
      b.staged.set(chain, null);
    } else {
      refuse(where, `unknown command "${line.split(" ")[0]}"`);
    }
    return b;
  }

  private find(b: Block, name: string): Chain | undefined {
    const c = b.created.get(name) ?? this.chains[b.table].get(name);
    return c !== undefined && b.staged.get(c) === null ? undefined : c;
  }

  /** Counts the new jumps, refuses to delete a chain still jumped to, then swaps the block in. */
  private commit(b: Block, where: string): void {
    const bump = (list: readonly IptRule[], d: number) => {
      for (const r of list) if (r.jump) r.jump.refs += d;
    };
    for (const [chain, list] of b.staged) {
      if (this.chains[b.table].get(chain.name) === chain) bump(chain.rules, -1);
      if (list) bump(list, +1);
    }
    for (const [chain, list] of b.staged) {
      if (list === null && chain.refs > 0) {
        for (const [c, l] of b.staged) {
          if (l) bump(l, -1);
          if (this.chains[b.table].get(c.name) === c) bump(c.rules, +1);
        }
        throw new SvcbenchError(
          `iptables-restore: ${where}: COMMIT of ${b.table} failed: cannot delete chain ${chain.name}: it is still referenced`,
        );
      }
    }
    const ks = b.table === "nat" ? (b.created.get("KUBE-SERVICES") ?? this.chains.nat.get("KUBE-SERVICES")) : undefined;
    const kube = ks ? b.staged.get(ks) : undefined;
    if (kube !== undefined) this.loadKubeServices(kube ?? []);
    for (const [chain, list] of b.staged) {
      if (list) {
        chain.rules = list;
        this.chains[b.table].set(chain.name, chain);
      } else {
        this.chains[b.table].delete(chain.name);
      }
    }
  }

  /** The leading portal rules of nat KUBE-SERVICES into WebAssembly (one replace, as the kernel swaps a table). */
  private loadKubeServices(rules: readonly IptRule[]): void {
    const entries: ServiceEntry[] = [];
    for (const r of rules) {
      if (!isPortalRule(r)) break;
      entries.push({ addr: r.dst!.base, port: r.dport!, proto: r.proto!, target: entries.length });
    }
    this.kubeServices.replace(entries);
    this.kubeServicesPrefix = entries.length;
  }

  /** Chain names of a table, as iptables-save lists them. */
  listChains(table: TableName): string[] {
    return [...this.chains[table].keys()];
  }

  ruleCount(table: TableName): number {
    let n = 0;
    for (const c of this.chains[table].values()) n += c.rules.length;
    return n;
  }

  dispose(): void {
    this.kubeServices.dispose();
  }
}
