// The EndpointSlice controller (kubernetes pkg/controller/endpointslice/endpointslice_controller.go and
// reconciler.go): subscribed to Service and Pod events, it keeps each Service's slices in step with the
// pods its selector picks (podIP set; ready or not), at most 100 endpoints a slice, touching as few
// slices as it can. An endpoint is known by its address and targetRef (staging/src/k8s.io/endpointslice/
// util/endpointset.go hashEndpoint). A Service without a selector is left alone: slices it had stay
// (kubernetes#118376); a deleted Service's slices go with it (the garbage collector, by ownerReference).
import { EndpointSlice, MAX_ENDPOINTS_PER_SLICE, SliceEndpoint, SlicePort } from "./endpointslice";
import { WatchEvent } from "./events";
import { Pod } from "./pod";
import { nsName, Service } from "./service";
import { ClusterStore } from "./store";

interface Draft {
  name: string;
  ports: readonly SlicePort[];
  endpoints: SliceEndpoint[];
}

const portKey = (ports: readonly SlicePort[]) => ports.map((p) => `${p.name}/${p.protocol}/${p.port}`).join(",");
/** hashEndpoint: addresses and targetRef (the pod; hostnames are not modelled). */
const endpointKey = (e: SliceEndpoint) => `${e.ip}/${e.pod}`;
/** EndpointsEqualBeyondHash: what may change in place. */
const sameBeyondKey = (a: SliceEndpoint, b: SliceEndpoint) => a.ready === b.ready;

export class EndpointSliceController {
  private readonly unsubscribe: (() => void)[];
  private nextSlice = 0;
  /** Service syncs run, and slices written (created, updated, deleted). */
  syncs = 0;
  writes = 0;

  constructor(
    private readonly store: ClusterStore,
    readonly maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
  ) {
    this.unsubscribe = [
      store.subscribe("Service", (e) => this.onService(e)),
      store.subscribe("Pod", (e) => this.onPod(e)),
    ];
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }

  private onService(e: WatchEvent<Service>): void {
    const s = e.cur ?? e.prev!;
    this.syncService(nsName(s));
  }

  /** addPod / updatePod / deletePod: every Service selecting the pod before or after. */
  private onPod(e: WatchEvent<Pod>): void {
    const keys = new Set<string>();
    for (const p of [e.prev, e.cur]) {
      if (p) for (const s of this.store.servicesSelecting(p.namespace, p.labels)) keys.add(nsName(s));
    }
    for (const k of keys) this.syncService(k);
  }

  /** syncService: desired endpoints from the selected pods, then reconcile the slices. */
  syncService(key: string): void {
    this.syncs++;
    const svc = this.store.services.get(key);
    const existing = this.store.slicesOf(key);
    if (!svc) {
      for (const s of existing) this.delete(s);
      return;
    }
    // "services without a selector receive no endpoint slices from this controller" (syncService).
    if (svc.selector === undefined) return;
    const ports: SlicePort[] = svc.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.targetPort }));
    const desired = new Map<string, SliceEndpoint>();
    for (const pod of this.store.podsSelectedBy(svc.namespace, svc.selector)) {
      if (pod.ip === undefined) continue;
      const ep = { ip: pod.ip, ready: pod.ready, pod: pod.name };
      desired.set(endpointKey(ep), ep);
    }
    const pk = portKey(ports);
    const same = existing.filter((s) => portKey(s.ports) === pk);
    const plan = this.reconcileByPortMapping(same, desired, ports);
    plan.toDelete.push(...existing.filter((s) => portKey(s.ports) !== pk));
    if (existing.length === plan.toDelete.length && plan.toCreate.length === 0) {
      // No endpoints at all: one empty placeholder slice stands for the Service (kept if it is there).
      if (existing.length === 1 && isPlaceholder(existing[0])) return;
      plan.toCreate.push({ name: "", ports: [], endpoints: [] });
    }
    this.finalize(svc, plan);
  }

  /** reconcileByPortMapping: 1. keep what is still desired, 2. fill the changed slices, 3. fit the rest. */
  private reconcileByPortMapping(existing: EndpointSlice[], desired: Map<string, SliceEndpoint>, ports: SlicePort[]) {
    const toUpdate: Draft[] = [];
    const toDelete: EndpointSlice[] = [];
    const unchanged: EndpointSlice[] = [];
    for (const slice of existing) {
      const kept: SliceEndpoint[] = [];
      let updated = false;
      for (const ep of slice.endpoints) {
        const want = desired.get(endpointKey(ep));
        if (!want) continue;
        kept.push(want);
        if (!sameBeyondKey(want, ep)) updated = true;
        desired.delete(endpointKey(ep));
      }
      if (!updated && kept.length === slice.endpoints.length && slice.ports.length > 0) unchanged.push(slice);
      else if (kept.length === 0) toDelete.push(slice);
      else toUpdate.push({ name: slice.name, ports, endpoints: kept });
    }
    const rest = [...desired.values()];
    toUpdate.sort((a, b) => b.endpoints.length - a.endpoints.length); // fullest first
    for (const d of toUpdate)
      while (rest.length > 0 && d.endpoints.length < this.maxPerSlice) d.endpoints.push(rest.pop()!);
    const toCreate: Draft[] = [];
    while (rest.length > 0) {
      let fill: Draft | undefined;
      if (rest.length < this.maxPerSlice) {
        const s = closestToFull(unchanged, rest.length, this.maxPerSlice);
        if (s) {
          unchanged.splice(unchanged.indexOf(s), 1);
          fill = { name: s.name, ports, endpoints: [...s.endpoints] };
          toUpdate.push(fill);
        }
      }
      if (!fill) toCreate.push((fill = { name: "", ports, endpoints: [] }));
      while (rest.length > 0 && fill.endpoints.length < this.maxPerSlice) fill.endpoints.push(rest.pop()!);
    }
    return { toCreate, toUpdate, toDelete };
  }

  /** finalize: a slice about to be deleted is reused for one to be created; then writes. */
  private finalize(svc: Service, plan: { toCreate: Draft[]; toUpdate: Draft[]; toDelete: EndpointSlice[] }): void {
    while (plan.toCreate.length > 0 && plan.toDelete.length > 0) {
      const d = plan.toCreate.pop()!;
      d.name = plan.toDelete.shift()!.name;
      plan.toUpdate.push(d);
    }
    const key = nsName(svc);
    for (const d of plan.toCreate) d.name = `${svc.name}-${(this.nextSlice++).toString(36)}`;
    for (const d of [...plan.toCreate, ...plan.toUpdate]) {
      this.writes++;
      this.store.putSlice({
        namespace: svc.namespace,
        name: d.name,
        service: key,
        ports: d.ports,
        endpoints: d.endpoints,
      });
    }
    for (const s of plan.toDelete) this.delete(s);
  }

  private delete(s: EndpointSlice): void {
    this.writes++;
    this.store.deleteSlice(s.namespace, s.name);
  }
}

const isPlaceholder = (s: EndpointSlice) => s.ports.length === 0 && s.endpoints.length === 0;

/** getSliceToFill: the unchanged slice that n more endpoints bring closest to full, if any has room. */
function closestToFull(slices: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  for (const s of slices) {
    const after = s.endpoints.length + n;
    if (after <= max && (best === undefined || after > best.endpoints.length + n)) best = s;
  }
  return best;
}
