// The per-Service counts of the modes that write kernel objects rather than a ruleset text, as their
// proxiers write them: ipvs (src/proxy/ipvs/proxier.ts after kubernetes pkg/proxy/ipvs/proxier.go: a
// virtual server per ClusterIP, external IP, load-balancer IP and NodePort, each with an ipset entry, its
// real servers, the address bound to kube-ipvs0; each sync lists every virtual server; a replaced endpoint
// is one real server added and one deleted) and ebpf (src/proxy/ebpf/proxier.ts after cilium
// pkg/service/service.go UpsertService: per frontend its backend slots and slot 0 rewritten whole, a
// backend entry per endpoint; bytes are the bpf() payload, key and value, as that proxier counts them).
import { SnapshotService } from "../snapshot/snapshot";

export interface Written {
  lines: number;
  rules: number;
  bytes: number;
}
export const zero = (): Written => ({ lines: 0, rules: 0, bytes: 0 });

/** One Service's counts in one mode. */
export interface PerShape {
  /** Written by every partial sync whether or not the Service changed (iptables: its KUBE-SERVICES rules). */
  always: Written;
  /** Its own chains, elements or objects: written by a full sync, or a partial one that carries it. */
  chains: Written;
  /** What a partial sync writes for it when one of its endpoints was replaced. */
  change: Written;
  /** Rules, elements and chains, or kernel objects, it holds. */
  held: number;
  /** iptables: its rules in the nat KUBE-SERVICES chain. */
  ksvc: number;
  /** ipvs: its virtual servers; ebpf: its frontends. */
  objects: number;
}

/** Bytes of one ipvsadm-style operation line (a virtual or real server, an ipset entry), for bytes per hour. */
const IPVS_OP_BYTES = 40;
/** struct lb4_key + struct lb4_service (12 + 12), lb4 backend id + struct lb4_backend (4 + 12), a backend id deleted. */
const LB4_SERVICE_ENTRY = 24,
  LB4_BACKEND_ENTRY = 16,
  LB4_BACKEND_DELETE = 4;

/** Addresses a port is reached at besides its ClusterIP: external IPs, load-balancer IPs, the NodePort. */
function externalFrontends(s: SnapshotService): number {
  return s.externalIPs + (s.type === "LoadBalancer" ? s.loadBalancerIPs : 0) + (s.type !== "ClusterIP" ? 1 : 0);
}

export function ipvsShape(s: SnapshotService): PerShape {
  const ext = externalFrontends(s);
  const vs = s.ports * (1 + ext);
  // The ClusterIP's virtual server holds the internal policy's endpoints, the others the external policy's.
  const internal = s.internalTrafficPolicyLocal ? s.local : s.endpoints,
    external = s.externalTrafficPolicyLocal ? s.local : s.endpoints;
  const real = s.ports * (internal + ext * external);
  // Startup: each virtual server added with its ipset entry, each real server added, the address bound.
  const lines = vs * 2 + real + 1;
  const replaced = s.ports * ((internal > 0 ? 1 : 0) + (external > 0 ? ext : 0));
  const change =
    s.endpoints > 0 ? { lines: 2 * replaced, rules: 2 * replaced, bytes: 2 * replaced * IPVS_OP_BYTES } : zero();
  return {
    always: zero(),
    chains: { lines, rules: lines, bytes: lines * IPVS_OP_BYTES },
    change,
    held: vs + real,
    ksvc: 0,
    objects: vs,
  };
}

export function ebpfShape(s: SnapshotService): PerShape {
  // The ebpf proxier gives every frontend the cluster-wide endpoints (externalTrafficPolicy Local not modelled there).
  const fe = s.ports * (1 + externalFrontends(s));
  const slots = fe * (1 + s.endpoints);
  const chains = {
    lines: slots + s.endpoints,
    rules: slots + s.endpoints,
    bytes: slots * LB4_SERVICE_ENTRY + s.endpoints * LB4_BACKEND_ENTRY,
  };
  // An endpoint replaced: every frontend's slots and slot 0 again, the new backend added, the old one deleted.
  const change =
    s.endpoints > 0
      ? {
          lines: slots + 2,
          rules: slots + 2,
          bytes: slots * LB4_SERVICE_ENTRY + LB4_BACKEND_ENTRY + LB4_BACKEND_DELETE,
        }
      : zero();
  return { always: zero(), chains, change, held: slots + s.endpoints, ksvc: 0, objects: fe };
}
