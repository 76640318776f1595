// The sets and verdict maps of table "ip kube-proxy" as linux net/netfilter/nf_tables_api.c keeps them (nftables
// src/parser_bison.y for add/flush/delete set, add/flush map, add/delete element): sets of IPv4 addresses with
// timeouts, and verdict maps keyed "ipv4_addr . inet_proto . inet_service" (service-ips) or
// "inet_proto . inet_service" (service-nodeports) in WebAssembly vmaps. A map element's goto/jump counts as a
// reference to its chain; every change leaves its undo in the transaction's journal.
import { WasmKeyedTable } from "../../wasm/keyed";
import { tryParseIPv4 } from "../../cluster/ip";
import { ElementTable } from "./element-table";
import { fail, NFT_PROTOS, notFound, Verdict } from "./rule";
import type { NftChain } from "./ruleset";

export interface NftSet {
  readonly name: string;
  /** ms an added element lives (dynamic sets), or 0. */
  readonly timeoutMs: number;
  /** address → expiry (ms; Infinity: none). */
  elements: Map<number, number>;
}

export interface NftMap {
  readonly name: string;
  readonly withAddr: boolean;
  /** The kernel's hash: key → verdict id. */
  table: WasmKeyedTable;
  /** The same elements host-side (key → verdict id), to count references and to flush. */
  shadow: ElementTable;
}

/** What a transaction keeps to undo itself: the inverse of each change, and the vmaps to free when it ends. */
export interface Journal {
  undo: (() => void)[];
  dead: WasmKeyedTable[];
}

/** The table's sets and verdict maps, and the verdicts map elements hold (by id). */
export class NftSetsAndMaps {
  readonly sets = new Map<string, NftSet>();
  readonly maps = new Map<string, NftMap>();
  readonly verdicts: Verdict[] = [];
  private readonly verdictIds = new Map<string, number>();

  /** chains: the table's chains, whose references map elements count. */
  constructor(
    private readonly chains: Map<string, NftChain>,
    private readonly tx: Journal,
  ) {}

  private verdictId(v: Verdict): number {
    const key = v.chain ? `${v.kind} ${v.chain}` : v.kind;
    let id = this.verdictIds.get(key);
    if (id === undefined) {
      id = this.verdicts.length;
      this.verdicts.push(v);
      this.verdictIds.set(key, id);
    }
    return id;
  }

  set(name: string): NftSet {
    return this.sets.get(name) ?? notFound(`set ${name}`);
  }
  map(name: string): NftMap {
    return this.maps.get(name) ?? notFound(`map ${name}`);
  }

  addSet(name: string, tail: string): void {
    if (!/type ipv4_addr/.test(tail)) fail(`set ${name}: only type ipv4_addr is modelled`);
    if (this.sets.has(name)) return;
    const t = /timeout (\d+)s/.exec(tail);
    this.sets.set(name, { name, timeoutMs: t ? Number(t[1]) * 1000 : 0, elements: new Map() });
    this.tx.undo.push(() => this.sets.delete(name));
  }

  addMap(name: string, tail: string): void {
    const withAddr = /type ipv4_addr \. inet_proto \. inet_service : verdict/.test(tail);
    if (!withAddr && !/type inet_proto \. inet_service : verdict/.test(tail))
      fail(`map ${name}: key type not modelled`);
    if (this.maps.has(name)) return;
    const m: NftMap = { name, withAddr, table: new WasmKeyedTable("vmap"), shadow: new ElementTable() };
    this.maps.set(name, m);
    this.tx.undo.push(() => {
      this.maps.delete(name);
      this.tx.dead.push(m.table);
    });
  }

  flushSet(s: NftSet): void {
    const old = s.elements;
    s.elements = new Map();
    this.tx.undo.push(() => {
      s.elements = old;
    });
  }

  deleteSet(s: NftSet): void {
    this.sets.delete(s.name);
    this.tx.undo.push(() => this.sets.set(s.name, s));
  }

  flushMap(m: NftMap): void {
    const oldTable = m.table,
      oldShadow = m.shadow;
    for (const id of oldShadow.values()) {
      const v = this.verdicts[id];
      if (v.chain) this.chains.get(v.chain)!.refs--;
    }
    m.table = new WasmKeyedTable("vmap");
    m.shadow = new ElementTable();
    this.tx.dead.push(oldTable);
    this.tx.undo.push(() => {
      this.tx.dead.splice(this.tx.dead.indexOf(oldTable), 1);
      this.tx.dead.push(m.table);
      m.table = oldTable;
      m.shadow = oldShadow;
      for (const id of oldShadow.values()) {
        const v = this.verdicts[id];
        if (v.chain) this.chains.get(v.chain)!.refs++;
      }
    });
  }

  /** "{ key [comment "…"] [: verdict] [, …] }" of add / delete element. */
  elements(name: string, tail: string, add: boolean): void {
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
    this.tx.undo.push(() => {
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
      this.tx.undo.push(() => {
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
      this.tx.undo.push(() => {
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

function parseVerdict(s: string): [Verdict] {
  const [kind, chain, extra] = s.split(" ");
  if (extra !== undefined) fail(`syntax error in verdict "${s}"`);
  if ((kind === "goto" || kind === "jump") && chain) return [{ kind, chain }];
  if (chain === undefined && (kind === "drop" || kind === "accept" || kind === "return")) return [{ kind }];
  return fail(`syntax error in verdict "${s}"`);
}
