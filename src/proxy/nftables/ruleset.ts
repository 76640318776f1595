// nftables state as linux net/netfilter/nf_tables_api.c keeps table "ip kube-proxy" after `nft -f`
// transactions (nftables src/parser_bison.y): chains of rules, sets, and verdict maps (sets-maps.ts).
// A transaction applies whole or not at all. A chain that a rule or map element jumps to cannot be
// deleted, nor a chain that still has rules (EBUSY). Maps keyed "ipv4_addr . inet_proto . inet_service"
// (service-ips) or "inet_proto . inet_service" (service-nodeports) live in WebAssembly vmaps.
import { SvcbenchError } from "../../core";
import { Expr, exprTargets, fail, NftError, nftWords, notFound, parseRuleExprs } from "./rule";
import { Journal, NftSetsAndMaps } from "./sets-maps";

export const TABLE = "ip kube-proxy";

export interface NftChain {
  readonly name: string;
  rules: Expr[][];
  refs: number;
  /** "type nat hook prerouting priority -100": a base chain. */
  hook?: string;
}

export class NftRuleset {
  readonly chains = new Map<string, NftChain>();
  /** Bumped when a base chain (one with a hook) comes or goes: the walker's cue to look them up again. */
  baseChainsVersion = 0;
  private tableExists = false;
  private readonly tx: Journal = { undo: [], dead: [] };
  /** Sets, verdict maps and their elements (sets-maps.ts). */
  private readonly setsAndMaps = new NftSetsAndMaps(this.chains, this.tx);
  readonly sets = this.setsAndMaps.sets;
  readonly maps = this.setsAndMaps.maps;
  readonly verdicts = this.setsAndMaps.verdicts;

  /**
   * nft -f: every command or none; answers the commands applied. Text, or its lines (a first sync can pass
   * what one string holds).
   */
  apply(input: string | readonly string[]): number {
    this.tx.undo = [];
    this.tx.dead = [];
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
      for (let i = this.tx.undo.length - 1; i >= 0; i--) this.tx.undo[i]();
      for (const t of this.tx.dead.splice(0)) if (![...this.maps.values()].some((m) => m.table === t)) t.dispose();
      throw err instanceof NftError ? new SvcbenchError(`nft: line ${lineNo}: ${err.message}`) : err;
    }
    for (const t of this.tx.dead) t.dispose();
    this.tx.undo = [];
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
        this.tx.undo.push(() => {
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
        return this.setsAndMaps.addSet(name, tail);
      case "add map":
        return this.setsAndMaps.addMap(name, tail);
      case "flush set":
        return this.setsAndMaps.flushSet(this.setsAndMaps.set(name));
      case "flush map":
        return this.setsAndMaps.flushMap(this.setsAndMaps.map(name));
      case "delete set":
        return this.setsAndMaps.deleteSet(this.setsAndMaps.set(name));
      case "add element":
        return this.setsAndMaps.elements(name, tail, true);
      case "delete element":
        return this.setsAndMaps.elements(name, tail, false);
      default:
        fail(`syntax error: "${verb} ${what}" is not modelled`);
    }
  }

  private chain(name: string): NftChain {
    return this.chains.get(name) ?? notFound(`chain ${name}`);
  }

  private addChain(name: string, tail: string): void {
    if (this.chains.has(name)) return;
    const hook = /type \w+ hook \w+ priority -?\d+/.exec(tail)?.[0];
    this.chains.set(name, { name, rules: [], refs: 0, hook });
    if (hook) this.baseChainsVersion++;
    this.tx.undo.push(() => {
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
    this.tx.undo.push(() => {
      c.rules = old;
      for (const r of old) this.refer(r, +1);
    });
  }

  private deleteChain(c: NftChain): void {
    if (c.rules.length > 0 || c.refs > 0) fail(`Could not process rule: Device or resource busy (chain ${c.name})`);
    this.chains.delete(c.name);
    if (c.hook) this.baseChainsVersion++;
    this.tx.undo.push(() => {
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
    this.tx.undo.push(() => {
      c.rules.pop();
      this.refer(exprs, -1);
    });
  }

  dispose(): void {
    this.setsAndMaps.dispose();
  }
}
