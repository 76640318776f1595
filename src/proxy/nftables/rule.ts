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
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
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

/** The kernel's ENOENT for a table, chain, set, map or element a command names. */
export function notFound(what: string): never {
  return fail(`Could not process rule: No such file or directory (${what})`);
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

const expect = (w: readonly string[], i: number, s: string) => {
  if (w[i] !== s) fail(`syntax error, expected "${s}" at "${w[i] ?? "end of line"}"`);
};
const expectAll = (w: readonly string[], i: number, words: readonly string[]) =>
  words.forEach((s, k) => expect(w, i + k, s));
const num = (s: string | undefined) => {
  const n = s !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN;
  return Number.isFinite(n) ? n : fail(`syntax error, unexpected "${s}"`);
};
const saddrOrDaddr = (field: string | undefined): "saddr" | "daddr" =>
  field === "saddr" || field === "daddr" ? field : fail(`syntax error, unexpected "${field}"`);

/** One statement starting at w[i]: its expression pushed onto out; answers where the next one starts. */
type StatementParser = (w: readonly string[], i: number, out: Expr[]) => number;

/** ip saddr|daddr: a verdict-map key (ip daddr . meta l4proto . th dport vmap @map), a set, or addresses. */
function ipStatement(w: readonly string[], at: number, out: Expr[]): number {
  const field = saddrOrDaddr(w[at + 1]);
  let i = at + 2;
  if (w[i] === ".") {
    expectAll(w, i, [".", "meta", "l4proto", ".", "th", "dport", "vmap"]);
    i += 7;
    if (!w[i]?.startsWith("@")) fail("vmap needs @map");
    out.push({ k: "vmap", withAddr: true, map: w[i++].slice(1) });
    return i;
  }
  if (w[i]?.startsWith("@")) {
    out.push({ k: "inset", field, set: w[i++].slice(1) });
    return i;
  }
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
  return i;
}

/** meta l4proto: a verdict-map key (meta l4proto . th dport vmap @map) or one protocol. */
function metaStatement(w: readonly string[], i: number, out: Expr[]): number {
  expect(w, i + 1, "l4proto");
  if (w[i + 2] !== ".") {
    out.push({ k: "l4proto", proto: NFT_PROTOS[w[i + 2]] ?? fail(`unknown protocol "${w[i + 2]}"`) });
    return i + 3;
  }
  expectAll(w, i + 2, [".", "th", "dport", "vmap"]);
  if (!w[i + 6]?.startsWith("@")) fail("vmap needs @map");
  out.push({ k: "vmap", withAddr: false, map: w[i + 6].slice(1) });
  return i + 7;
}

/** mark and MASK == VALUE, or mark set mark or|xor VALUE. */
function markStatement(w: readonly string[], i: number, out: Expr[]): number {
  if (w[i + 1] === "and") {
    expect(w, i + 3, "==");
    out.push({ k: "markcmp", mask: num(w[i + 2]), value: num(w[i + 4]) });
    return i + 5;
  }
  expectAll(w, i + 1, ["set", "mark"]);
  const op = w[i + 3];
  if (op !== "or" && op !== "xor") fail(`syntax error, unexpected "${op}"`);
  out.push({ k: "markset", op, value: num(w[i + 4]) });
  return i + 5;
}

/** numgen random mod N vmap { 0 : goto … , 1 : goto … }: the keys in order, N of them. */
function numgenStatement(w: readonly string[], at: number, out: Expr[]): number {
  expectAll(w, at + 1, ["random", "mod"]);
  const mod = num(w[at + 3]);
  expectAll(w, at + 4, ["vmap", "{"]);
  let i = at + 6;
  const targets: Verdict[] = [];
  while (w[i] !== "}") {
    if (w[i] === undefined) fail("unterminated vmap");
    if (w[i] === ",") {
      i++;
      continue;
    }
    const idx = num(w[i]);
    expect(w, i + 1, ":");
    const [v, next] = verdictAt(w, i + 2);
    if (idx !== targets.length) fail(`numgen vmap key ${idx} out of order`);
    targets.push(v);
    i = next;
  }
  if (mod < 1 || targets.length !== mod) fail(`numgen mod ${mod} with ${targets.length} vmap entries`);
  out.push({ k: "numgen", mod, targets });
  return i + 1;
}

/** dnat to IP:PORT. */
function dnatStatement(w: readonly string[], i: number, out: Expr[]): number {
  expect(w, i + 1, "to");
  const [ip, port] = (w[i + 2] ?? "").split(":");
  const a = tryParseIPv4(ip);
  if (a < 0) fail(`syntax error, unexpected "${w[i + 2]}"`);
  out.push({ k: "dnat", ip: a, port: num(port) });
  return i + 3;
}

const STATEMENTS: Record<string, StatementParser> = {
  ip: ipStatement,
  meta: metaStatement,
  ct: (w, i, out) => {
    expectAll(w, i + 1, ["state", "new"]);
    out.push({ k: "ctnew" });
    return i + 3;
  },
  mark: markStatement,
  fib: (w, i, out) => {
    const field = saddrOrDaddr(w[i + 1]);
    expectAll(w, i + 2, ["type", "local"]);
    out.push({ k: "fiblocal", field });
    return i + 4;
  },
  numgen: numgenStatement,
  update: (w, i, out) => {
    if (!w[i + 1]?.startsWith("@")) fail("update needs @set");
    expectAll(w, i + 2, ["{", "ip", "saddr", "}"]);
    out.push({ k: "update", set: w[i + 1].slice(1) });
    return i + 6;
  },
  dnat: dnatStatement,
  masquerade: (w, i, out) => {
    out.push({ k: "masquerade" });
    return i + (w[i + 1] === "fully-random" ? 2 : 1);
  },
  comment: (w, i) => {
    if (!w[i + 1]?.startsWith('"')) fail("comment needs a string");
    return i + 2;
  },
};

/** tcp|udp|sctp dport PORT. */
const dportStatement: StatementParser = (w, i, out) => {
  expect(w, i + 1, "dport");
  out.push({ k: "dport", proto: NFT_PROTOS[w[i]], port: num(w[i + 2]) });
  return i + 3;
};

/** A rule's closing verdict (or one in its middle). */
const verdictStatement: StatementParser = (w, i, out) => {
  const [v, next] = verdictAt(w, i);
  out.push({ k: "verdict", v });
  return next;
};

/** Parses the statements of one rule. */
export function parseRuleExprs(w: readonly string[]): Expr[] {
  const out: Expr[] = [];
  for (let i = 0; i < w.length; ) {
    const t = w[i];
    const parse = Object.hasOwn(STATEMENTS, t) ? STATEMENTS[t] : t in NFT_PROTOS ? dportStatement : verdictStatement;
    i = parse(w, i, out);
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
