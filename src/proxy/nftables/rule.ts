// The nft rule statements kube-proxy writes (kubernetes pkg/proxy/nftables/proxier.go; nftables
// src/parser_bison.y for their grammar), parsed into expressions the ruleset evaluates in order.
// Anything outside this set is a parse error, as `nft -f` would give one.
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, SvcbenchError } from "../../core";
import { Cidr, tryParseCidr, tryParseIPv4 } from "../../cluster/ip";

export const NFT_PROTOS: Record<string, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };

export interface Verdict {
  readonly kind: "jump" | "goto" | "return" | "drop" | "reject" | "accept";
  readonly chain?: string;
}

export type Expr =
  | { k: "addr"; field: "saddr" | "daddr"; neg: boolean; cidrs: Cidr[] }
  | { k: "inset"; field: "saddr" | "daddr"; set: string }
  | { k: "dport"; proto: number; port: number }
  | { k: "l4proto"; proto: number }
  | { k: "ctnew" }
  | { k: "markcmp"; mask: number; value: number }
  | { k: "fiblocal"; field: "saddr" | "daddr" }
  | { k: "vmap"; withAddr: boolean; map: string }
  | { k: "numgen"; mod: number; targets: Verdict[] }
  | { k: "update"; set: string }
  | { k: "verdict"; v: Verdict }
  | { k: "dnat"; ip: number; port: number }
  | { k: "markset"; op: "or" | "xor"; value: number }
  | { k: "masquerade" };

/** Words of a statement list; a quoted word keeps its spaces. */
export function nftWords(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) { i++; continue; }
    if (c === 34) {
      const j = text.indexOf('"', i + 1);
      if (j < 0) throw new SvcbenchError("nft: unterminated string");
      out.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && text.charCodeAt(j) !== 32 && text.charCodeAt(j) !== 9) j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** A command nft refuses; the ruleset adds the line number. */
export class NftError extends Error {}

/** Refuses the command being parsed. */
export function fail(m: string): never {
  throw new NftError(m);
}

function parseCidr(s: string): Cidr {
  return tryParseCidr(s) ?? fail(`syntax error, unexpected "${s}"`);
}

function verdictAt(w: readonly string[], i: number): [Verdict, number] {
  const kind = w[i];
  if (kind === "jump" || kind === "goto") {
    if (w[i + 1] === undefined) fail(`${kind} needs a chain`);
    return [{ kind, chain: w[i + 1] }, i + 2];
  }
  if (kind === "return" || kind === "drop" || kind === "reject" || kind === "accept") return [{ kind }, i + 1];
  return fail(`syntax error, unexpected "${kind}"`);
}

/** Parses the statements of one rule. */
export function parseRuleExprs(w: readonly string[]): Expr[] {
  const out: Expr[] = [];
  const expect = (i: number, s: string) => { if (w[i] !== s) fail(`syntax error, expected "${s}" at "${w[i] ?? "end of line"}"`); };
  const num = (s: string | undefined) => {
    const n = s !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN;
    return Number.isFinite(n) ? n : fail(`syntax error, unexpected "${s}"`);
  };
  let i = 0;
  while (i < w.length) {
    const t = w[i];
    if (t === "ip") {
      const field = w[i + 1];
      if (field !== "saddr" && field !== "daddr") fail(`syntax error, unexpected "${field}"`);
      i += 2;
      if (w[i] === ".") { // ip daddr . meta l4proto . th dport vmap @map
        ["." , "meta", "l4proto", ".", "th", "dport", "vmap"].forEach((s, k) => expect(i + k, s));
        i += 7;
        if (!w[i]?.startsWith("@")) fail("vmap needs @map");
        out.push({ k: "vmap", withAddr: true, map: w[i++].slice(1) });
      } else if (w[i]?.startsWith("@")) {
        out.push({ k: "inset", field, set: w[i++].slice(1) });
      } else {
        const neg = w[i] === "!=";
        if (neg) i++;
        const cidrs: Cidr[] = [];
        if (w[i] === "{") {
          i++;
          while (w[i] !== "}") {
            if (w[i] === undefined) fail("unterminated set");
            if (w[i] !== ",") cidrs.push(parseCidr(w[i].replace(/,$/, "")));
            i++;
          }
          i++;
        } else cidrs.push(parseCidr(w[i++]));
        out.push({ k: "addr", field, neg, cidrs });
      }
    } else if (t === "meta") {
      expect(i + 1, "l4proto");
      if (w[i + 2] === ".") {
        [".", "th", "dport", "vmap"].forEach((s, k) => expect(i + 2 + k, s));
        i += 6;
        if (!w[i]?.startsWith("@")) fail("vmap needs @map");
        out.push({ k: "vmap", withAddr: false, map: w[i++].slice(1) });
      } else {
        out.push({ k: "l4proto", proto: NFT_PROTOS[w[i + 2]] ?? fail(`unknown protocol "${w[i + 2]}"`) });
        i += 3;
      }
    } else if (t in NFT_PROTOS) {
      expect(i + 1, "dport");
      out.push({ k: "dport", proto: NFT_PROTOS[t], port: num(w[i + 2]) });
      i += 3;
    } else if (t === "ct") {
      expect(i + 1, "state"); expect(i + 2, "new");
      out.push({ k: "ctnew" });
      i += 3;
    } else if (t === "mark") {
      if (w[i + 1] === "and") {
        expect(i + 3, "==");
        out.push({ k: "markcmp", mask: num(w[i + 2]), value: num(w[i + 4]) });
        i += 5;
      } else {
        expect(i + 1, "set"); expect(i + 2, "mark");
        const op = w[i + 3];
        if (op !== "or" && op !== "xor") fail(`syntax error, unexpected "${op}"`);
        out.push({ k: "markset", op, value: num(w[i + 4]) });
        i += 5;
      }
    } else if (t === "fib") {
      const field = w[i + 1];
      if (field !== "saddr" && field !== "daddr") fail(`syntax error, unexpected "${field}"`);
      expect(i + 2, "type"); expect(i + 3, "local");
      out.push({ k: "fiblocal", field });
      i += 4;
    } else if (t === "numgen") {
      expect(i + 1, "random"); expect(i + 2, "mod");
      const mod = num(w[i + 3]);
      expect(i + 4, "vmap"); expect(i + 5, "{");
      i += 6;
      const targets: Verdict[] = [];
      while (w[i] !== "}") {
        if (w[i] === undefined) fail("unterminated vmap");
        if (w[i] === ",") { i++; continue; }
        const idx = num(w[i]);
        expect(i + 1, ":");
        const [v, next] = verdictAt(w, i + 2);
        if (idx !== targets.length) fail(`numgen vmap key ${idx} out of order`);
        targets.push(v);
        i = next;
      }
      i++;
      if (mod < 1 || targets.length !== mod) fail(`numgen mod ${mod} with ${targets.length} vmap entries`);
      out.push({ k: "numgen", mod, targets });
    } else if (t === "update") {
      if (!w[i + 1]?.startsWith("@")) fail("update needs @set");
      ["{", "ip", "saddr", "}"].forEach((s, k) => expect(i + 2 + k, s));
      out.push({ k: "update", set: w[i + 1].slice(1) });
      i += 6;
    } else if (t === "dnat") {
      expect(i + 1, "to");
      const [ip, port] = (w[i + 2] ?? "").split(":");
      const a = tryParseIPv4(ip);
      if (a < 0) fail(`syntax error, unexpected "${w[i + 2]}"`);
      out.push({ k: "dnat", ip: a, port: num(port) });
      i += 3;
    } else if (t === "masquerade") {
      out.push({ k: "masquerade" });
      i += w[i + 1] === "fully-random" ? 2 : 1;
    } else if (t === "comment") {
      if (!w[i + 1]?.startsWith('"')) fail("comment needs a string");
      i += 2;
    } else {
      const [v, next] = verdictAt(w, i);
      out.push({ k: "verdict", v });
      i = next;
    }
  }
  return out;
}

/** Chains a rule jumps or goes to. */
export function exprTargets(exprs: readonly Expr[]): string[] {
  const out: string[] = [];
  for (const e of exprs) {
    if (e.k === "verdict" && e.v.chain) out.push(e.v.chain);
    if (e.k === "numgen") for (const v of e.targets) if (v.chain) out.push(v.chain);
  }
  return out;
}
