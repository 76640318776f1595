// IPv4 addresses as unsigned 32-bit numbers (one parser, for flags and rule texts alike), and the address
// ranges of the modelled cluster (kubernetes pkg/registry/core/service/ipallocator hands out ClusterIPs
// from the service range).
import { SvcbenchError } from "../core";
/** Dotted quad, without the array the workload's formatIPv4 builds (rules print millions). */
export function formatIPv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** kube-controller-manager --cluster-cidr: pod IPs (10.128.0.0/9; holds the 10.244.0.0/16 of the lookup traffic). */
export const CLUSTER_CIDR = { base: 0x0a800000, bits: 9 } as const;
/** The node this kube-proxy runs on (kube-proxy's tests use 192.168.0.2). */
export const NODE_IP = 0xc0a80002;
/** LoadBalancer IPs handed out by the cloud: 198.18.0.0/15 (benchmarking range, RFC 2544). */
export const LB_CIDR = { base: 0xc6120000, bits: 15 } as const;

export interface Cidr {
  readonly base: number;
  readonly bits: number;
}

export function cidrContains(c: Cidr, addr: number): boolean {
  if (c.bits === 0) return true;
  const shift = 32 - c.bits;
  return addr >>> shift === c.base >>> shift;
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.bits}`;
}

/** A dotted quad's value, or -1: one pass, no regular expression or array (rule texts hold millions). */
export function tryParseIPv4(s: string): number {
  let v = 0,
    part = 0,
    dots = 0,
    digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return v * 256 + part;
}

/** "a.b.c.d" or "a.b.c.d/bits", or undefined. */
export function tryParseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf("/");
  const base = tryParseIPv4(slash < 0 ? s : s.slice(0, slash));
  if (base < 0) return undefined;
  if (slash < 0) return { base, bits: 32 };
  if (s.length - slash - 1 < 1 || s.length - slash - 1 > 2) return undefined;
  let bits = 0;
  for (let i = slash + 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    bits = bits * 10 + d;
  }
  return bits <= 32 ? { base, bits } : undefined;
}

export function parseIPv4(s: string): number {
  const a = tryParseIPv4(s);
  if (a < 0) throw new SvcbenchError(`not an IPv4 address: ${JSON.stringify(s)}`);
  return a;
}

export function parseCidr(s: string): Cidr {
  const c = tryParseCidr(s);
  if (!c) throw new SvcbenchError(`not an IPv4 CIDR: ${JSON.stringify(s)}`);
  return c;
}

export function checkIPv4(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 0xffffffff) {
    throw new SvcbenchError(`${what} must be an IPv4 address (a 32-bit number), got ${JSON.stringify(v)}`);
  }
  return v;
}
