// One iptables rule as iptables extensions/libxt_*.c parse it for linux net/netfilter/xt_*.c
// (the matches and targets kube-proxy writes: comment, tcpudp, sctp, addrtype, statistic, recent,
// mark, conntrack, nfacct). Anything else is a parse error, as iptables-restore would report. A rule
// without -j only counts packets (iptables accepts it; kube-proxy's KUBE-FW- chains end with one).
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, SvcbenchError } from "../../core";
import { Cidr, tryParseCidr, tryParseIPv4 } from "../../cluster/ip";

export const BUILTIN_TARGETS = new Set(["ACCEPT", "DROP", "REJECT", "RETURN", "DNAT", "MARK", "MASQUERADE"]);
const PROTOS: Record<string, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
const MATCHES = new Set([
  "comment",
  "tcp",
  "udp",
  "sctp",
  "addrtype",
  "statistic",
  "recent",
  "mark",
  "conntrack",
  "nfacct",
]);

/** A chain the kernel holds; refs counts the rules that jump to it. */
export interface Chain {
  readonly name: string;
  rules: IptRule[];
  refs: number;
}

export interface IptRule {
  proto?: number;
  dst?: Cidr;
  dstNeg?: boolean;
  src?: Cidr;
  srcNeg?: boolean;
  dport?: number;
  dstLocal?: boolean;
  srcLocal?: boolean;
  /**
   * -m statistic --mode random: matches when (random & 0x7fffffff) < probability (libxt_statistic:
   * lround(0x80000000 * p)).
   */
  probability?: number;
  recent?: { name: string; set: boolean; seconds?: number };
  mark?: { value: number; mask: number; neg: boolean };
  ctstate?: { states: readonly string[]; neg: boolean };
  /** Kept only on REJECT and DROP rules (it names the Service there). */
  comment?: string;
  target: string;
  /** The chain a jump goes to (resolved when the rule is read, as iptables-restore does). */
  jump?: Chain;
  toDestination?: { ip: number; port: number };
  markOp?: { op: "or" | "xor"; value: number };
}

/** A string that does not keep a slice of a large restore text alive. */
export function flat(s: string): string {
  return Buffer.from(s, "latin1").toString("latin1");
}

function cidr(tok: string, err: (m: string) => never): Cidr {
  return tryParseCidr(tok) ?? err(`host/network \`${tok}' not found`);
}

function num(tok: string | undefined, max: number, err: (m: string) => never, what: string): number {
  const n = tok !== undefined && /^\d+$/.test(tok) ? Number(tok) : NaN;
  if (!(n <= max)) err(`invalid ${what} "${tok}"`);
  return n;
}

/** The words of text[from, to); a double-quoted word may hold spaces (iptables-restore's quoting). */
export function words(text: string, from = 0, to = text.length): string[] {
  const out: string[] = [];
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (c === 34) {
      const j = text.indexOf('"', i + 1);
      if (j < 0 || j >= to) throw new SvcbenchError("iptables-restore: unterminated quoted string");
      out.push(text.slice(i + 1, j));
      i = j + 1;
    } else {
      let j = text.indexOf(" ", i);
      if (j < 0 || j > to) j = to;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** Parses the words after "-A CHAIN"; intern keeps one flat copy of every target name. */
export function parseRule(w: readonly string[], start: number, intern: (s: string) => string, where: string): IptRule {
  const err = (m: string): never => {
    throw new SvcbenchError(`iptables-restore: ${where}: ${m}`);
  };
  const r: IptRule = { target: "" };
  let comment: string | undefined;
  let neg = false;
  for (let i = start; i < w.length; i++) {
    const t = w[i];
    switch (t) {
      case "!":
        neg = true;
        continue;
      case "-m":
        if (!MATCHES.has(w[++i])) err(`Couldn't load match \`${w[i]}'`);
        break;
      case "-p":
        r.proto = PROTOS[w[++i]] ?? err(`unknown protocol "${w[i]}"`);
        break;
      case "-d":
        r.dst = cidr(w[++i], err);
        r.dstNeg = neg;
        break;
      case "-s":
        r.src = cidr(w[++i], err);
        r.srcNeg = neg;
        break;
      case "--dport":
        r.dport = num(w[++i], 65535, err, "port");
        break;
      case "--comment":
        comment = w[++i];
        break;
      case "--dst-type":
        if (w[++i] !== "LOCAL") err(`unsupported address type ${w[i]}`);
        r.dstLocal = true;
        break;
      case "--src-type":
        if (w[++i] !== "LOCAL") err(`unsupported address type ${w[i]}`);
        r.srcLocal = true;
        break;
      case "--mode":
        if (w[++i] !== "random") err(`unsupported statistic mode ${w[i]}`);
        break;
      case "--probability": {
        const p = Number(w[++i]);
        if (!(p >= 0 && p <= 1)) err(`bad --probability "${w[i]}"`);
        r.probability = Math.round(0x80000000 * p);
        break;
      }
      case "--name":
        r.recent = { name: intern(w[++i]), set: false };
        break;
      case "--rcheck":
        break;
      case "--reap":
        break;
      case "--set":
        if (!r.recent) err("--set needs --name");
        r.recent!.set = true;
        break;
      case "--seconds":
        if (!r.recent) err("--seconds needs --name");
        r.recent!.seconds = num(w[++i], 1e9, err, "seconds");
        break;
      case "--mark": {
        const [v, m] = w[++i].split("/");
        r.mark = { value: Number(v), mask: m === undefined ? 0xffffffff : Number(m), neg };
        if (!Number.isInteger(r.mark.value) || !Number.isInteger(r.mark.mask)) err(`bad mark "${w[i]}"`);
        break;
      }
      case "--ctstate":
        r.ctstate = { states: w[++i].split(","), neg };
        break;
      case "-j":
        r.target = intern(w[++i] ?? err("-j needs a target"));
        break;
      case "--to-destination": {
        const [ip, port] = w[++i].split(":");
        const a = tryParseIPv4(ip);
        if (a < 0) err(`bad --to-destination "${w[i]}"`);
        r.toDestination = { ip: a, port: num(port, 65535, err, "port") };
        break;
      }
      case "--or-mark":
        r.markOp = { op: "or", value: Number(w[++i]) };
        break;
      case "--xor-mark":
        r.markOp = { op: "xor", value: Number(w[++i]) };
        break;
      case "--random-fully":
        break;
      case "--nfacct-name":
        if (w[++i] === undefined) err("--nfacct-name needs a name");
        break;
      default:
        err(`unknown argument "${t}"`);
    }
    neg = false;
  }
  if (r.target === "DNAT" && !r.toDestination) err("DNAT needs --to-destination");
  if (r.dport !== undefined && r.proto === undefined) err("--dport needs -p");
  if ((r.target === "REJECT" || r.target === "DROP") && comment !== undefined) r.comment = flat(comment);
  return r;
}

/** A rule the WASM chain can hold: "-p P -d VIP --dport D -j T" and nothing else but a comment. */
export function isPortalRule(r: IptRule): boolean {
  return (
    r.proto !== undefined &&
    r.dport !== undefined &&
    r.dst !== undefined &&
    r.dst.bits === 32 &&
    !r.dstNeg &&
    r.src === undefined &&
    !r.dstLocal &&
    !r.srcLocal &&
    r.probability === undefined &&
    r.recent === undefined &&
    r.mark === undefined &&
    r.ctstate === undefined &&
    r.toDestination === undefined &&
    r.markOp === undefined
  );
}
