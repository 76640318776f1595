// Seeded first-packet traffic over a set of service ports: uniform or Zipf over Services
// (hot Services at random places in the chain, as kube-proxy writes them in map order),
// with a chosen share of misses (packets to pods, which KUBE-SERVICES sees too).
import { PacketColumns, ServiceEntry, SvcbenchError } from "../core";
import { POD_CIDR_BASE } from "./cluster";
import { Rng } from "../util/rng";

type Distribution = "uniform" | "zipf";

export interface TrafficOptions {
  distribution: Distribution;
  /** Zipf exponent s (weight of rank r is 1/r^s). */
  zipfS?: number;
  /** Share of packets that match no service port, 0..1. */
  missRatio: number;
}

export const DEFAULT_TRAFFIC: TrafficOptions = { distribution: "uniform", zipfS: 1.0, missRatio: 0 };

/** Draws service indices: uniform, or Zipf by a cumulative table over a random ranking. */
function serviceSampler(n: number, opts: TrafficOptions, rng: Rng): () => number {
  if (opts.distribution === "uniform") return () => rng.below(n);
  const s = opts.zipfS ?? 1.0;
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / (r + 1) ** s;
  const rankToService = new Uint32Array(n);
  for (let i = 0; i < n; i++) rankToService[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [rankToService[i], rankToService[j]] = [rankToService[j], rankToService[i]];
  }
  return () => {
    const x = rng.float() * sum;
    let lo = 0,
      hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return rankToService[lo];
  };
}

/** Fills packets [start, start+count) of the batch. Returns the intended target of each (MISS for misses). */
export function fillTraffic(
  batch: PacketColumns,
  services: readonly ServiceEntry[],
  opts: TrafficOptions,
  seed: number,
  start = 0,
  count = batch.capacity - start,
): void {
  if (!(opts.missRatio >= 0 && opts.missRatio <= 1)) {
    throw new SvcbenchError(`miss ratio must be within 0..1, got ${opts.missRatio}`);
  }
  const rng = new Rng(seed);
  const n = services.length;
  const pick = n > 0 ? serviceSampler(n, opts, rng) : () => -1;
  const { daddr, dport, proto, saddr, sport } = batch;
  for (let k = start; k < start + count; k++) {
    saddr[k] = (POD_CIDR_BASE + rng.below(1 << 16)) >>> 0;
    sport[k] = 32768 + rng.below(28232); // net.ipv4.ip_local_port_range
    const i = rng.float() < opts.missRatio ? -1 : pick();
    if (i < 0) {
      daddr[k] = (POD_CIDR_BASE + rng.below(1 << 16)) >>> 0;
      dport[k] = 8080;
      proto[k] = 6;
    } else {
      const s = services[i];
      daddr[k] = s.addr;
      dport[k] = s.port;
      proto[k] = s.proto;
    }
  }
}
