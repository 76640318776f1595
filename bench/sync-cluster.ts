// The clusters the sync suite (and the kernel suite's model side) change: N Services with E ready pods
// each under the EndpointSlice controller, from the seeded workload, and a new Service with pods of its own.
import { EndpointSliceController } from "../src/cluster/endpoints-controller";
import { ClusterStore } from "../src/cluster/store";
import { ClusterWorkload } from "../src/workload/objects";

export interface Cluster {
  store: ClusterStore;
  workload: ClusterWorkload;
  controller: EndpointSliceController;
}

/** N Services with E ready pods each, the EndpointSlice controller watching (the same seed gives the same cluster). */
export function buildCluster(n: number, e: number, seed: number): Cluster {
  const store = new ClusterStore();
  const controller = new EndpointSliceController(store);
  const workload = new ClusterWorkload({ services: n, endpoints: e, seed });
  workload.populate(store);
  return { store, workload, controller };
}

export interface NewService {
  /** Its E ready pods, which no Service selects yet. */
  addPods(): void;
  /** The ClusterIP Service (TCP 80 → 8080) that selects them. */
  addService(): void;
  /** The Service and its pods. */
  delete(): void;
}

/**
 * A new Service named name in namespace "bench", on a free ClusterIP, with e pods of its own. Its
 * addresses are drawn once, here: adding it again after delete() brings back the very same objects.
 */
export function newService(c: Cluster, name: string, e: number): NewService {
  const { store, workload: w } = c;
  const ips = Array.from({ length: e }, () => w.podIPs.take()),
    clusterIP = w.freeClusterIP();
  const pods = ips.map((ip, i) => ({ name: `${name}-${i}`, ip }));
  const added: string[] = [];
  return {
    addPods: () => {
      for (const p of pods) {
        store.createPod({ namespace: "bench", name: p.name, labels: { app: name }, ip: p.ip, ready: true });
        added.push(p.name);
      }
    },
    addService: () =>
      store.createService({
        namespace: "bench",
        name,
        type: "ClusterIP",
        clusterIP,
        ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8080 }],
        selector: { app: name },
      }),
    delete: () => {
      store.deleteService("bench", name);
      for (const p of added.splice(0)) store.deletePod("bench", p);
    },
  };
}
