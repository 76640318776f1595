// Seeded cluster shapes: N Services, each one port, ClusterIPs drawn without repeats
// from the default service CIDR 10.96.0.0/12 (kube-apiserver --service-cluster-ip-range),
// as kubernetes pkg/registry/core/service/ipallocator hands them out at random.
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, ServiceEntry, SvcbenchError } from "../core";
import { Rng } from "../util/rng";

export const SERVICE_CIDR_BASE = 0x0a600000; // 10.96.0.0
export const SERVICE_CIDR_SIZE = 1 << 20; // /12
export const POD_CIDR_BASE = 0x0af40000; // 10.244.0.0/16, where pods (and non-service traffic) live
/** Network address, broadcast and 10.96.0.1 (the kubernetes API Service) are never handed out. */
export const MAX_SERVICES = SERVICE_CIDR_SIZE - 3;

/** Service ports as clusters have them, with their share. */
const PORTS: ReadonlyArray<[port: number, proto: number, weight: number]> = [
  [80, IPPROTO_TCP, 30],
  [443, IPPROTO_TCP, 20],
  [8080, IPPROTO_TCP, 15],
  [9090, IPPROTO_TCP, 5],
  [6379, IPPROTO_TCP, 5],
  [5432, IPPROTO_TCP, 5],
  [3306, IPPROTO_TCP, 4],
  [53, IPPROTO_UDP, 5],
  [8125, IPPROTO_UDP, 2],
  [3868, IPPROTO_SCTP, 1],
];
const WEIGHT_SUM = PORTS.reduce((s, p) => s + p[2], 0);
/** A share of ports that is none of the usual ones. */
const OTHER_WEIGHT = 8;

function drawPort(rng: Rng): [number, number] {
  let r = rng.below(WEIGHT_SUM + OTHER_WEIGHT);
  for (const [port, proto, w] of PORTS) {
    if (r < w) return [port, proto];
    r -= w;
  }
  return [1024 + rng.below(30000 - 1024), IPPROTO_TCP]; // below the NodePort range
}

/** n service ports, target i for the i-th; ClusterIPs unique. */
export function makeServicePorts(n: number, seed: number): ServiceEntry[] {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SERVICES) {
    throw new SvcbenchError(
      `number of Services must be an integer in 0..${MAX_SERVICES} (the /12 service range), got ${n}`,
    );
  }
  const rng = new Rng(seed);
  // Partial Fisher-Yates over the usable offsets 2 .. size-2.
  const offsets = new Uint32Array(MAX_SERVICES);
  for (let i = 0; i < offsets.length; i++) offsets[i] = i + 2;
  const out: ServiceEntry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + rng.below(offsets.length - i);
    const o = offsets[j];
    offsets[j] = offsets[i];
    offsets[i] = o;
    const [port, proto] = drawPort(rng);
    out[i] = { addr: (SERVICE_CIDR_BASE + o) >>> 0, port, proto, target: i };
  }
  return out;
}
