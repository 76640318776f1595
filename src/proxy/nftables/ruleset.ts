// nftables state as linux net/netfilter/nf_tables_api.c keeps table "ip kube-proxy" after `nft -f`
// transactions (nftables src/parser_bison.y): chains of rules, sets, and verdict maps.
// A transaction applies whole or not at all. A chain that a rule or map element jumps to cannot be
// deleted, nor a chain that still has rules (EBUSY). Maps keyed "ipv4_addr . inet_proto . inet_service"
// (service-ips) or "inet_proto . inet_service" (service-nodeports) live in WebAssembly vmaps.
import { SvcbenchError } from "../../core";
import { WasmKeyedTable } from "../../wasm/keyed";
import { tryParseIPv4 } from "../../cluster/ip";
import { ElementTable } from "./element-table";
import { Expr, exprTargets, fail, NFT_PROTOS, NftError, nftWords, parseRuleExprs, Verdict } from "./rule";

export const TABLE = "ip kube-proxy";

export interface NftChain {
  readonly name: string;
  rules: Expr[][];
  refs: number;
  /** "type nat hook prerouting priority -100": a base chain. */
  hook?: string;
}

interface NftSet {
  readonly name: string;
  /** ms an added element lives (dynamic sets), or 0. */
  readonly timeoutMs: number;
  /** address → expiry (ms; Infinity: none). */
  elements: Map<number, number>;
}

interface NftMap {
  readonly name: string;
  readonly withAddr: boolean;
  /** The kernel's hash: key → verdict id. */
  table: WasmKeyedTable;
  /** The same elements host-side (key → verdict id), to count references and to flush. */
  shadow: ElementTable;
}

export class NftRuleset {
  readonly chains = new Map<string, NftChain>();
  readonly sets = new Map<string, NftSet>();
  readonly maps = new Map<string, NftMap>();
  readonly verdicts: Verdict[] = [];
  private readonly verdictIds = new Map<string, number>();
  /** Bumped when a base chain (one with a hook) comes or goes: the walker's cue to look them up again. */
  baseChainsVersion = 0;
  private tableExists = false;
  private undo: (() => void)[] = [];
  private dead: WasmKeyedTable[] = [];

  verdictId(v: Verdict): number {
    const key = v.chain ? `${v.kind} ${v.chain}` : v.kind;
    let id = this.verdictIds.get(key);
    if (id === undefined) {
      id = this.verdicts.length;
      this.verdicts.push(v);
      this.verdictIds.set(key, id);
    }
    return id;
  }

  /**
   * nft -f: every command or none; answers the commands applied. Text, or its lines (a first sync can pass
   * what one string holds).
   */
  apply(input: string | readonly string[]): number {
    this.undo = [];
    this.dead = [];
    let n = 0,
      lineNo = 0;
    const one = (raw: string) => {
      lineNo++;
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      this.command(line);
      n++;
    };
    try {
      if (typeof input === "string") {
        let pos = 0;
        while (pos < input.length) {
          let end = input.indexOf("\n", pos);
          if (end < 0) end = input.length;
          one(input.slice(pos, end));
          pos = end + 1;
        }
      } else {
        for (const l of input) one(l);
      }
    } catch (err) {
      for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]();
      for (const t of this.dead.splice(0)) if (![...this.maps.values()].some((m) => m.table === t)) t.dispose();
      throw err instanceof NftError ? new SvcbenchError(`nft: line ${lineNo}: ${err.message}`) : err;
    }
    for (const t of this.dead) t.dispose();
    this.undo = [];
    return n;
  }

  private command(line: string): void {
    const sp1 = line.indexOf(" "),
      sp2 = line.indexOf(" ", sp1 + 1);
    const verb = line.slice(0, sp1),
      what = line.slice(sp1 + 1, sp2);
    const rest = line.slice(sp2 + 1);
    if (!rest.startsWith(TABLE)) fail(`only table "${TABLE}" is modelled: ${line}`);
    const body = rest.slice(TABLE.length + 1);
    if (what === "table") {
      if (verb !== "add") fail(`"${verb} table" is not modelled`);
      if (!this.tableExists) {
        this.tableExists = true;
        this.undo.push(() => {
          this.tableExists = false;
        });
      }
      return;
    }
    if (!this.tableExists) notFound(`table ${TABLE}`);
    const sp = body.indexOf(" ");
    const name = sp < 0 ? body : body.slice(0, sp);
    const tail = sp < 0 ? "" : body.slice(sp + 1);
    switch (`${verb} ${what}`) {
      case "add chain":
        return this.addChain(name, tail);
      case "flush chain":
        return this.flushChain(this.chain(name));
      case "delete chain":
        return this.deleteChain(this.chain(name));
      case "add rule":
        return this.addRule(this.chain(name), tail);
      case "add set":
        return this.addSet(name, tail);
      case "add map":
        return this.addMap(name, tail);
      case "flush set":
        return this.flushSet(this.set(name));
      case "flush map":
        return this.flushMap(this.map(name));
      case "delete set":
        return this.deleteSet(this.set(name));
      case "add element":
        return this.elements(name, tail, true);
      case "delete element":
        return this.elements(name, tail, false);
      default:
        fail(`syntax error: "${verb} ${what}" is not modelled`);
    }
  }

  private chain(name: string): NftChain {
    return this.chains.get(name) ?? notFound(`chain ${name}`);
  }
  private set(name: string): NftSet {
    return this.sets.get(name) ?? notFound(`set ${name}`);
  }
  private map(name: string): NftMap {
    return this.maps.get(name) ?? notFound(`map ${name}`);
  }

  private addChain(name: string, tail: string): void {
    if (this.chains.has(name)) return;
    const hook = /type \w+ hook \w+ priority -?\d+/.exec(tail)?.[0];
    this.chains.set(name, { name, rules: [], refs: 0, hook });
    if (hook) this.baseChainsVersion++;
    this.undo.push(() => {
      this.chains.delete(name);
      if (hook) this.baseChainsVersion++;
    });
  }

  private refer(exprs: readonly Expr[], d: number): void {
    for (const t of exprTargets(exprs)) this.chains.get(t)!.refs += d;
  }

  private flushChain(c: NftChain): void {
    const old = c.rules;
    for (const r of old) this.refer(r, -1);
    c.rules = [];
    this.undo.push(() => {
      c.rules = old;
      for (const r of old) this.refer(r, +1);
    });
  }

  private deleteChain(c: NftChain): void {
    if (c.rules.length > 0 || c.refs > 0) fail(`Could not process rule: Device or resource busy (chain ${c.name})`);
    this.chains.delete(c.name);
    if (c.hook) this.baseChainsVersion++;
    this.undo.push(() => {
      this.chains.set(c.name, c);
      if (c.hook) this.baseChainsVersion++;
    });
  }

  private addRule(c: NftChain, tail: string): void {
    const exprs = parseRuleExprs(nftWords(tail));
    for (const t of exprTargets(exprs)) if (!this.chains.has(t)) notFound(`chain ${t}`);
    for (const e of exprs) {
      if ((e.k === "inset" || e.k === "update") && !this.sets.has(e.set)) notFound(`set ${e.set}`);
      if (e.k === "vmap" && !this.maps.has(e.map)) notFound(`map ${e.map}`);
    }
    this.refer(exprs, +1);
    c.rules.push(exprs);
    this.undo.push(() => {
      c.rules.pop();
      this.refer(exprs, -1);
    });
  }

  private addSet(name: string, tail: string): void {
    if (!/type ipv4_addr/.test(tail)) fail(`set ${name}: only type ipv4_addr is modelled`);
    if (this.sets.has(name)) return;
    const t = /timeout (\d+)s/.exec(tail);
    this.sets.set(name, { name, timeoutMs: t ? Number(t[1]) * 1000 : 0, elements: new Map() });
    this.undo.push(() => this.sets.delete(name));
  }

  private addMap(name: string, tail: string): void {
    const withAddr = /type ipv4_addr \. inet_proto \. inet_service : verdict/.test(tail);
    if (!withAddr && !/type inet_proto \. inet_service : verdict/.test(tail))
      fail(`map ${name}: key type not modelled`);
    if (this.maps.has(name)) return;
    const m: NftMap = { name, withAddr, table: new WasmKeyedTable("vmap"), shadow: new ElementTable() };
    this.maps.set(name, m);
    this.undo.push(() => {
      this.maps.delete(name);
      this.dead.push(m.table);
    });
  }

  private flushSet(s: NftSet): void {
    const old = s.elements;
    s.elements = new Map();
    this.undo.push(() => {
      s.elements = old;
    });
  }

  private deleteSet(s: NftSet): void {
    this.sets.delete(s.name);
    this.undo.push(() => this.sets.set(s.name, s));
  }

  private flushMap(m: NftMap): void {
    const oldTable = m.table,
      oldShadow = m.shadow;
    for (const id of oldShadow.values()) {
      const v = this.verdicts[id];
      if (v.chain) this.chains.get(v.chain)!.refs--;
    }
    m.table = new WasmKeyedTable("vmap");
    m.shadow = new ElementTable();
    this.dead.push(oldTable);
    this.undo.push(() => {
      this.dead.splice(this.dead.indexOf(oldTable), 1);
      this.dead.push(m.table);
      m.table = oldTable;
      m.shadow = oldShadow;
      for (const id of oldShadow.values()) {
        const v = this.verdicts[id];
        if (v.chain) this.chains.get(v.chain)!.refs++;
      }
    });
  }

  /** "{ key [comment "…"] [: verdict] [, …] }" of add / delete element. */
  private elements(name: string, tail: string, add: boolean): void {
    const body = /^\{ (.*) \}$/.exec(tail)?.[1] ?? fail(`syntax error in element list: ${tail}`);
    for (const item of body.split(" , ")) {
      const colon = item.lastIndexOf(" : ");
      const keyPart = (colon < 0 ? item : item.slice(0, colon)).replace(/ comment "[^"]*"$/, "");
      const value = colon < 0 ? undefined : item.slice(colon + 3);
      const set = this.sets.get(name);
      if (set) {
        const a = tryParseIPv4(keyPart);
        if (a < 0 || value !== undefined) fail(`bad element "${item}" for set ${name}`);
        this.setElement(set, a, add);
        continue;
      }
      const m = this.map(name);
      const parts = keyPart.split(" . ");
      const [a, proto, port] = m.withAddr
        ? [tryParseIPv4(parts[0]), NFT_PROTOS[parts[1]], Number(parts[2])]
        : [0, NFT_PROTOS[parts[0]], Number(parts[1])];
      if (parts.length !== (m.withAddr ? 3 : 2) || a < 0 || proto === undefined || !(port >= 0 && port <= 65535))
        fail(`bad key "${keyPart}" for map ${name}`);
      this.mapElement(m, a, proto, port, add ? (value ?? fail(`element of map ${name} needs a verdict`)) : undefined);
    }
  }

  private setElement(s: NftSet, a: number, add: boolean): void {
    const old = s.elements.get(a);
    if (add) s.elements.set(a, Infinity);
    else if (old === undefined) notFound(`element of ${s.name}`);
    else s.elements.delete(a);
    this.undo.push(() => {
      if (old === undefined) s.elements.delete(a);
      else s.elements.set(a, old);
    });
  }

  private mapElement(m: NftMap, addr: number, proto: number, port: number, value: string | undefined): void {
    const old = m.shadow.get(addr, proto, port);
    if (value !== undefined) {
      const [v] = parseVerdict(value);
      if (v.chain && !this.chains.has(v.chain)) notFound(`chain ${v.chain}`);
      const id = this.verdictId(v);
      if (old !== undefined) {
        if (old !== id) fail(`Could not process rule: File exists (element of ${m.name} with another verdict)`);
        return;
      }
      m.table.insert({ addr, port, proto, target: id });
      m.shadow.set(addr, proto, port, id);
      if (v.chain) this.chains.get(v.chain)!.refs++;
      this.undo.push(() => {
        m.table.delete({ addr, port, proto });
        m.shadow.delete(addr, proto, port);
        if (v.chain) this.chains.get(v.chain)!.refs--;
      });
    } else {
      if (old === undefined) notFound(`element of ${m.name}`);
      const v = this.verdicts[old!];
      m.table.delete({ addr, port, proto });
      m.shadow.delete(addr, proto, port);
      if (v.chain) this.chains.get(v.chain)!.refs--;
      this.undo.push(() => {
        m.table.insert({ addr, port, proto, target: old! });
        m.shadow.set(addr, proto, port, old!);
        if (v.chain) this.chains.get(v.chain)!.refs++;
      });
    }
  }

  dispose(): void {
    for (const m of this.maps.values()) m.table.dispose();
    this.maps.clear();
  }
}

/** The kernel's ENOENT for a table, chain, set, map or element a command names. */
function notFound(what: string): never {
  return fail(`Could not process rule: No such file or directory (${what})`);
}

function parseVerdict(s: string): [Verdict] {
  const [kind, chain, extra] = s.split(" ");
  if (extra !== undefined) fail(`syntax error in verdict "${s}"`);
  if ((kind === "goto" || kind === "jump") && chain) return [{ kind, chain }];
  if (chain === undefined && (kind === "drop" || kind === "accept" || kind === "return")) return [{ kind }];
  return fail(`syntax error in verdict "${s}"`);
}
