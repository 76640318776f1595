// IPv4 addresses as unsigned 32-bit numbers, and the address ranges of the modelled cluster
// (kubernetes pkg/registry/core/service/ipallocator hands out ClusterIPs from the service range).
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
  return (addr >>> shift) === (c.base >>> shift);
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.bits}`;
}

export function parseIPv4(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  const parts = m ? m.slice(1).map(Number) : [];
  if (!m || parts.some((p) => p > 255)) throw new SvcbenchError(`not an IPv4 address: ${JSON.stringify(s)}`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function parseCidr(s: string): Cidr {
  const [ip, bits, extra] = s.split("/");
  const b = bits === undefined ? 32 : Number(bits);
  if (extra !== undefined || !Number.isInteger(b) || b < 0 || b > 32) throw new SvcbenchError(`not an IPv4 CIDR: ${JSON.stringify(s)}`);
  return { base: parseIPv4(ip), bits: b };
}

export function checkIPv4(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 0xffffffff) {
    throw new SvcbenchError(`${what} must be an IPv4 address (a 32-bit number), got ${JSON.stringify(v)}`);
  }
  return v;
}
