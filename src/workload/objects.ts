// Seeded Kubernetes objects for the control-path benchmarks: N Services (ClusterIPs and ports as
// makeServicePorts draws them; a share NodePort and LoadBalancer, within the NodePort range), each with
// E ready pods, pod IPs handed out in order from the cluster CIDR.
import { CLUSTER_CIDR, LB_CIDR } from "../cluster/ip";
import { Pod } from "../cluster/pod";
import { NODE_PORT_RANGE, Protocol, Service, ServiceType } from "../cluster/service";
import { ClusterStore } from "../cluster/store";
import { SvcbenchError } from "../core";
import { makeServicePorts, SERVICE_CIDR_BASE, SERVICE_CIDR_SIZE } from "./cluster";
import { Rng } from "../util/rng";

interface ClusterShape {
  readonly services: number;
  readonly endpoints: number;
  readonly seed: number;
  /** Shares of NodePort and LoadBalancer Services (together at most the NodePort range). */
  readonly nodePortShare?: number;
  readonly loadBalancerShare?: number;
  readonly affinityShare?: number;
}

const PROTOCOL: Record<number, Protocol> = { 6: "TCP", 17: "UDP", 132: "SCTP" };
const MAX_EXTERNAL = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min; // leaves room for the benchmark's own

/** Pod IPs: the cluster CIDR in order (skipping .0 and .255 is not needed for /9 pod ranges). */
class PodIPs {
  private next = 2;
  take(): number {
    if (this.next >= 2 ** (32 - CLUSTER_CIDR.bits) - 1) throw new SvcbenchError("the cluster CIDR has no pod IPs left");
    return (CLUSTER_CIDR.base + this.next++) >>> 0;
  }
}

export class ClusterWorkload {
  readonly services: Service[] = [];
  readonly podIPs = new PodIPs();
  private readonly rng: Rng;
  private readonly clusterIPs = new Set<number>();

  constructor(readonly shape: ClusterShape) {
    const { services: n, endpoints: e } = shape;
    if (!Number.isInteger(e) || e < 0 || e > 1000)
      throw new SvcbenchError(`endpoints per Service must be 0..1000, got ${e}`);
    this.rng = new Rng(shape.seed ^ 0x5eed);
    const ports = makeServicePorts(n, shape.seed);
    const np = shape.nodePortShare ?? 0.02,
      lb = shape.loadBalancerShare ?? 0.02,
      aff = shape.affinityShare ?? 0.05;
    let external = 0;
    ports.forEach((sp, i) => {
      const r = this.rng.float();
      let type: ServiceType = r < np ? "NodePort" : r < np + lb ? "LoadBalancer" : "ClusterIP";
      if (type !== "ClusterIP" && ++external > MAX_EXTERNAL) type = "ClusterIP";
      this.services.push({
        namespace: `ns-${Math.floor(i / 1000)}`,
        name: `svc-${i}`,
        type,
        clusterIP: sp.addr,
        ports: [{ name: `p${sp.port}`, protocol: PROTOCOL[sp.proto], port: sp.port, targetPort: sp.port }],
        selector: { app: `svc-${i}` },
        sessionAffinity: this.rng.float() < aff ? "ClientIP" : "None",
        loadBalancerIP: type === "LoadBalancer" ? (LB_CIDR.base + 1 + i) >>> 0 : undefined,
      });
      this.clusterIPs.add(sp.addr);
    });
  }

  /** A ClusterIP from the service range that none of these Services holds. */
  freeClusterIP(): number {
    for (;;) {
      const ip = (SERVICE_CIDR_BASE + 2 + this.rng.below(SERVICE_CIDR_SIZE - 3)) >>> 0;
      if (!this.clusterIPs.has(ip)) return ip;
    }
  }

  /** A ready pod for Service i (its selector picks it). */
  pod(i: number, name: string): Pod {
    const s = this.services[i];
    return { namespace: s.namespace, name, labels: { app: `svc-${i}` }, ip: this.podIPs.take(), ready: true };
  }

  /** Pods first (no Service selects them yet), then the Services: one controller sync per Service. */
  populate(store: ClusterStore): void {
    this.services.forEach((s, i) => {
      for (let k = 0; k < this.shape.endpoints; k++) store.createPod(this.pod(i, `${s.name}-${k}`));
    });
    for (const s of this.services) store.createService(s);
  }
}
