// The API server as the node sees it: Services, Pods, EndpointSlices and Ingresses by namespace/name,
// validation, ClusterIP and NodePort uniqueness, NodePort allocation
// (kubernetes pkg/registry/core/service/portallocator), and the watch stream of every change.
import { SvcbenchError } from "../core";
import { EndpointSlice } from "./endpointslice";
import { EventStream, eventOf, Kind, Kinds, WatchEvent } from "./events";
import { checkIngress, Ingress } from "./ingress";
import { formatIPv4 } from "./ip";
import { LabelIndex } from "./label-index";
import { Labels, labelPairs, selectorMatches } from "./labels";
import { checkPod, Pod } from "./pod";
import { checkService, NODE_PORT_RANGE, nsName, Service, ServicePortSpec } from "./service";

export class ClusterStore {
  readonly events = new EventStream();
  readonly services = new Map<string, Service>();
  readonly pods = new Map<string, Pod>();
  readonly slices = new Map<string, EndpointSlice>();
  readonly ingresses = new Map<string, Ingress>();
  private readonly clusterIPs = new Map<number, string>();
  private readonly lbIPs = new Map<number, string>();
  private readonly podIPs = new Map<number, string>();
  private readonly nodePorts = new Map<string, string>();
  private nodePortCursor: number = NODE_PORT_RANGE.min;
  private readonly podLabels = new LabelIndex();
  private readonly serviceSelectors = new LabelIndex();
  private readonly slicesByService = new Map<string, Set<string>>();

  // ---- Services

  createService(s: Service): Service {
    const key = nsName(s);
    if (this.services.has(key)) throw new SvcbenchError(`Service ${key} already exists`);
    return this.putService(undefined, s);
  }

  updateService(s: Service): Service {
    const key = nsName(s);
    const prev = this.services.get(key);
    if (!prev) throw new SvcbenchError(`Service ${key} does not exist`);
    if (prev.clusterIP !== s.clusterIP)
      throw new SvcbenchError(`Service ${key}: clusterIP is immutable (${formatIPv4(prev.clusterIP)})`);
    return this.putService(prev, s);
  }

  deleteService(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const prev = this.services.get(key);
    if (!prev) throw new SvcbenchError(`Service ${key} does not exist`);
    this.releaseService(prev);
    this.services.delete(key);
    this.events.emit("Service", eventOf(prev, undefined));
  }

  private putService(prev: Service | undefined, s: Service): Service {
    checkService(s);
    const key = nsName(s);
    const ipOwner = this.clusterIPs.get(s.clusterIP);
    if (ipOwner !== undefined && ipOwner !== key)
      throw new SvcbenchError(`Service ${key}: clusterIP ${formatIPv4(s.clusterIP)} is taken by ${ipOwner}`);
    if (s.loadBalancerIP !== undefined) {
      const lbOwner = this.lbIPs.get(s.loadBalancerIP);
      if (lbOwner !== undefined && lbOwner !== key)
        throw new SvcbenchError(
          `Service ${key}: load-balancer IP ${formatIPv4(s.loadBalancerIP)} is taken by ${lbOwner}`,
        );
    }
    for (const p of s.ports) {
      const owner = p.nodePort === undefined ? undefined : this.nodePorts.get(`${p.protocol}/${p.nodePort}`);
      if (owner !== undefined && owner !== key)
        throw new SvcbenchError(`Service ${key}: nodePort ${p.protocol}/${p.nodePort} is taken by ${owner}`);
    }
    if (prev) this.releaseService(prev);
    const cur: Service =
      s.type === "ClusterIP" ? s : { ...s, ports: s.ports.map((p) => this.allocateNodePort(key, p, prev)) };
    this.clusterIPs.set(cur.clusterIP, key);
    if (cur.loadBalancerIP !== undefined) this.lbIPs.set(cur.loadBalancerIP, key);
    for (const p of cur.ports) if (p.nodePort !== undefined) this.nodePorts.set(`${p.protocol}/${p.nodePort}`, key);
    this.serviceSelectors.add(cur.namespace, cur.selector, key);
    this.services.set(key, cur);
    this.events.emit("Service", eventOf(prev, cur));
    return cur;
  }

  /** Keeps a port's earlier NodePort on update (as the apiserver does), else takes the next free one. */
  private allocateNodePort(key: string, p: ServicePortSpec, prev: Service | undefined): ServicePortSpec {
    if (p.nodePort !== undefined) return p;
    const old = prev?.ports.find((q) => q.name === p.name && q.protocol === p.protocol)?.nodePort;
    if (old !== undefined && !this.nodePorts.has(`${p.protocol}/${old}`)) return { ...p, nodePort: old };
    const size = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1;
    for (let i = 0; i < size; i++) {
      const port = this.nodePortCursor;
      this.nodePortCursor = port === NODE_PORT_RANGE.max ? NODE_PORT_RANGE.min : port + 1;
      if (!this.nodePorts.has(`${p.protocol}/${port}`)) return { ...p, nodePort: port };
    }
    throw new SvcbenchError(
      `Service ${key}: the NodePort range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max} is exhausted for ${p.protocol}`,
    );
  }

  private releaseService(s: Service): void {
    const key = nsName(s);
    this.clusterIPs.delete(s.clusterIP);
    if (s.loadBalancerIP !== undefined) this.lbIPs.delete(s.loadBalancerIP);
    for (const p of s.ports) if (p.nodePort !== undefined) this.nodePorts.delete(`${p.protocol}/${p.nodePort}`);
    this.serviceSelectors.remove(s.namespace, s.selector, key);
  }

  // ---- Pods

  createPod(p: Pod): Pod {
    if (this.pods.has(nsName(p))) throw new SvcbenchError(`Pod ${nsName(p)} already exists`);
    return this.putPod(undefined, p);
  }

  updatePod(p: Pod): Pod {
    const prev = this.pods.get(nsName(p));
    if (!prev) throw new SvcbenchError(`Pod ${nsName(p)} does not exist`);
    if (prev.ip !== undefined && p.ip !== prev.ip)
      throw new SvcbenchError(`Pod ${nsName(p)}: podIP is set once (${formatIPv4(prev.ip)})`);
    return this.putPod(prev, p);
  }

  deletePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const prev = this.pods.get(key);
    if (!prev) throw new SvcbenchError(`Pod ${key} does not exist`);
    this.podLabels.remove(prev.namespace, prev.labels, key);
    if (prev.ip !== undefined) this.podIPs.delete(prev.ip);
    this.pods.delete(key);
    this.events.emit("Pod", eventOf(prev, undefined));
  }

  private putPod(prev: Pod | undefined, p: Pod): Pod {
    checkPod(p);
    const key = nsName(p);
    const owner = p.ip === undefined ? undefined : this.podIPs.get(p.ip);
    if (owner !== undefined && owner !== key)
      throw new SvcbenchError(`Pod ${key}: podIP ${formatIPv4(p.ip!)} is taken by ${owner}`);
    if (prev) this.podLabels.remove(prev.namespace, prev.labels, key);
    this.podLabels.add(p.namespace, p.labels, key);
    if (p.ip !== undefined) this.podIPs.set(p.ip, key);
    this.pods.set(key, p);
    this.events.emit("Pod", eventOf(prev, p));
    return p;
  }

  // ---- EndpointSlices (written by the endpoints controller)

  putSlice(s: EndpointSlice): void {
    const key = nsName(s);
    const prev = this.slices.get(key);
    let set = this.slicesByService.get(s.service);
    if (!set) this.slicesByService.set(s.service, (set = new Set()));
    set.add(key);
    this.slices.set(key, s);
    this.events.emit("EndpointSlice", eventOf(prev, s));
  }

  deleteSlice(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const prev = this.slices.get(key);
    if (!prev) throw new SvcbenchError(`EndpointSlice ${key} does not exist`);
    const set = this.slicesByService.get(prev.service)!;
    set.delete(key);
    if (set.size === 0) this.slicesByService.delete(prev.service);
    this.slices.delete(key);
    this.events.emit("EndpointSlice", eventOf(prev, undefined));
  }

  /** The slices of a Service (namespace/name), by slice name. */
  slicesOf(service: string): EndpointSlice[] {
    return [...(this.slicesByService.get(service) ?? [])].map((k) => this.slices.get(k)!);
  }

  // ---- Ingresses

  putIngress(ing: Ingress): void {
    checkIngress(ing);
    const key = nsName(ing);
    const prev = this.ingresses.get(key);
    this.ingresses.set(key, ing);
    this.events.emit("Ingress", eventOf(prev, ing));
  }

  deleteIngress(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const prev = this.ingresses.get(key);
    if (!prev) throw new SvcbenchError(`Ingress ${key} does not exist`);
    this.ingresses.delete(key);
    this.events.emit("Ingress", eventOf(prev, undefined));
  }

  // ---- Queries the controllers make

  /** The pod holding this IP, if any. */
  podByIP(ip: number): Pod | undefined {
    const key = this.podIPs.get(ip);
    return key === undefined ? undefined : this.pods.get(key);
  }

  /** Pods the selector picks in this namespace (none for an empty or absent selector). */
  podsSelectedBy(namespace: string, selector: Labels | undefined): Pod[] {
    const pairs = labelPairs(selector);
    if (pairs.length === 0) return [];
    const out: Pod[] = [];
    for (const key of this.podLabels.narrowest(namespace, pairs)) {
      const p = this.pods.get(key)!;
      if (selectorMatches(selector, p.labels)) out.push(p);
    }
    return out;
  }

  /** Services in the pod's namespace whose selector picks these labels. */
  servicesSelecting(namespace: string, labels: Labels): Service[] {
    const out: Service[] = [];
    const seen = new Set<string>();
    for (const pair of labelPairs(labels)) {
      for (const key of this.serviceSelectors.get(namespace, pair)) {
        if (seen.has(key)) continue;
        seen.add(key);
        const s = this.services.get(key)!;
        if (selectorMatches(s.selector, labels)) out.push(s);
      }
    }
    return out;
  }

  subscribe<K extends Kind>(kind: K, h: (e: WatchEvent<Kinds[K]>) => void): () => void {
    return this.events.subscribe(kind, h);
  }
}
