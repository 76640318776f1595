// `kubectl get services,endpointslices -A -o json|yaml` → a Snapshot. kube-proxy's own rules for what it
// programs: pkg/proxy/servicechangetracker.go skips headless (ClusterIP None) and ExternalName Services;
// pkg/proxy/endpointslicecache.go joins slices to their Service by the kubernetes.io/service-name label
// and counts an address once per Service port however many slices carry it.
import { tryParseIPv4 } from "../cluster/ip";
import { InputError } from "./input-error";
import {
  endpointSliceSchema,
  firstIssue,
  KubeEndpointSlice,
  KubeService,
  SERVICE_NAME_LABEL,
  serviceSchema,
} from "./kube-schema";
import { emptyCounts, portNameLength, Snapshot, SnapshotService } from "./snapshot";

export interface ListOptions {
  /** The node to predict for; default: the one hosting the most ready endpoints. */
  readonly node?: string;
  /** Told each slice that no Service owns (reported, not fatal). */
  readonly warn?: (line: string) => void;
}

interface Item {
  kind?: unknown;
  apiVersion?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}

function itemsOf(file: string, doc: unknown): Item[] {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InputError(file, undefined, undefined, "is not a Kubernetes List (an object with kind and items)");
  }
  const d = doc as { kind?: unknown; items?: unknown };
  if (typeof d.kind === "string" && d.kind.endsWith("List")) {
    if (!Array.isArray(d.items)) throw new InputError(file, undefined, "items", "a List needs an items array");
    return d.items as Item[];
  }
  return [d as Item];
}

const itemName = (it: Item) =>
  `${typeof it.metadata?.namespace === "string" ? it.metadata.namespace : "default"}/${String(it.metadata?.name ?? "?")}`;

function check<T>(
  file: string,
  it: Item,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import("zod").ZodError } },
): T {
  const r = schema.safeParse(it);
  if (r.success) return r.data;
  const { field, what } = firstIssue(r.error);
  throw new InputError(file, `${String(it.kind)} ${itemName(it)}`, field, what);
}

/** Reads a parsed List: refuses what kube-proxy could not have been given, counts what it ignores. */
export function snapshotFromList(file: string, doc: unknown, opts: ListOptions = {}): Snapshot {
  const counts = emptyCounts();
  const services: KubeService[] = [];
  const slices: KubeEndpointSlice[] = [];
  for (const it of itemsOf(file, doc)) {
    if (it === null || typeof it !== "object")
      throw new InputError(file, undefined, "items", "every item must be an object");
    if (it.kind === "Service") services.push(check(file, it, serviceSchema));
    else if (it.kind === "EndpointSlice") slices.push(check(file, it, endpointSliceSchema));
    else {
      const k = typeof it.kind === "string" ? it.kind : "(no kind)";
      counts.unknownKinds[k] = (counts.unknownKinds[k] ?? 0) + 1;
    }
  }
  if (services.length === 0) {
    const others = Object.entries(counts.unknownKinds).map(([k, n]) => `${n} ${k}`);
    throw new InputError(
      file,
      undefined,
      "items",
      `the List holds no Service (${slices.length} EndpointSlice${others.length ? `, ${others.join(", ")}` : ""}); export with kubectl get services,endpointslices -A -o json`,
    );
  }

  // Services kube-proxy programs, keyed namespace/name.
  const kept = new Map<string, KubeService>();
  const ignored = new Set<string>();
  for (const s of services) {
    const key = `${s.metadata.namespace}/${s.metadata.name}`;
    const ip = s.spec.clusterIP;
    if (s.spec.type === "ExternalName") {
      counts.externalName++;
      ignored.add(key);
      continue;
    }
    if (ip === "None") {
      counts.headless++;
      ignored.add(key);
      continue;
    }
    if (ip === undefined || ip === "" || tryParseIPv4(ip) < 0) {
      throw new InputError(
        file,
        `Service ${key}`,
        "spec.clusterIP",
        `${JSON.stringify(ip ?? null)} is not an IPv4 address (svcbench models IPv4 Services)`,
      );
    }
    if (!s.spec.ports || s.spec.ports.length === 0)
      throw new InputError(file, `Service ${key}`, "spec.ports", "a Service with a ClusterIP needs at least one port");
    kept.set(key, s);
  }

  // Ready IPv4 endpoints per Service (unique addresses), and per node.
  const ready = new Map<string, Map<string, string | undefined>>();
  const terminating = new Map<string, number>();
  const perNode = new Map<string, number>();
  const orphans: string[] = [];
  for (const sl of slices) {
    counts.slices++;
    const owner = sl.metadata.labels?.[SERVICE_NAME_LABEL];
    const key = `${sl.metadata.namespace}/${owner ?? ""}`;
    if (sl.addressType !== "IPv4") {
      counts.ipv6Slices++;
      continue;
    }
    if (owner === undefined || !kept.has(key)) {
      if (owner !== undefined && ignored.has(key)) continue;
      counts.orphanSlices++;
      const name = `${sl.metadata.namespace}/${sl.metadata.name}`;
      if (orphans.length < 3) orphans.push(name);
      opts.warn?.(
        `${file}: EndpointSlice ${name}: metadata.labels["${SERVICE_NAME_LABEL}"]: ${owner === undefined ? "missing" : `no Service ${key} in the List`}; the slice is counted and skipped`,
      );
      continue;
    }
    let m = ready.get(key);
    if (!m) ready.set(key, (m = new Map()));
    for (const [i, ep] of (sl.endpoints ?? []).entries()) {
      const c = ep.conditions ?? {};
      // EndpointSlice: a nil ready condition means ready (discovery/v1 EndpointConditions).
      if (c.ready !== false) {
        const addr = ep.addresses[0];
        if (tryParseIPv4(addr) < 0) {
          throw new InputError(
            file,
            `EndpointSlice ${sl.metadata.namespace}/${sl.metadata.name}`,
            `endpoints[${i}].addresses[0]`,
            `${JSON.stringify(addr)} is not an IPv4 address in an IPv4 slice`,
          );
        }
        if (!m.has(addr)) {
          m.set(addr, ep.nodeName);
          if (ep.nodeName !== undefined) perNode.set(ep.nodeName, (perNode.get(ep.nodeName) ?? 0) + 1);
        }
      } else if (c.serving === true && c.terminating === true) {
        terminating.set(key, (terminating.get(key) ?? 0) + 1);
      }
    }
  }

  let node = opts.node;
  if (node === undefined) {
    let best = -1;
    for (const [n, c] of perNode) if (c > best || (c === best && n < node!)) [node, best] = [n, c];
  } else if (!perNode.has(node) && perNode.size > 0) {
    throw new InputError(
      file,
      undefined,
      "--node",
      `no endpoint of the List runs on node "${node}" (nodes seen: ${[...perNode.keys()].slice(0, 5).join(", ")}${perNode.size > 5 ? ", …" : ""})`,
    );
  }
  node ??= "";

  const out: SnapshotService[] = [];
  const notModelled: Record<string, number> = {};
  for (const [key, s] of kept) {
    const m = ready.get(key);
    let local = 0;
    if (m && node !== "") for (const n of m.values()) if (n === node) local++;
    const ingress = (s.status?.loadBalancer?.ingress ?? []).filter((x) => x.ip !== undefined).length;
    const svc: SnapshotService = {
      namespace: s.metadata.namespace,
      name: s.metadata.name,
      type: s.spec.type as SnapshotService["type"],
      clusterIP: tryParseIPv4(s.spec.clusterIP!),
      ports: s.spec.ports!.length,
      portNameChars: s.spec.ports!.reduce(
        (a, p) => a + portNameLength(s.metadata.namespace, s.metadata.name, p.name),
        0,
      ),
      portDigits: s.spec.ports!.reduce((a, p) => a + String(p.port).length, 0),
      endpoints: m?.size ?? 0,
      local,
      terminating: terminating.get(key) ?? 0,
      affinity: s.spec.sessionAffinity === "ClientIP",
      externalTrafficPolicyLocal: s.spec.externalTrafficPolicy === "Local",
      internalTrafficPolicyLocal: s.spec.internalTrafficPolicy === "Local",
      externalIPs: s.spec.externalIPs?.length ?? 0,
      loadBalancerIPs: s.spec.type === "LoadBalancer" ? ingress : 0,
      loadBalancerSourceRanges: s.spec.type === "LoadBalancer" ? (s.spec.loadBalancerSourceRanges?.length ?? 0) : 0,
    };
    if (s.spec.trafficDistribution !== undefined)
      notModelled.trafficDistribution = (notModelled.trafficDistribution ?? 0) + 1;
    out.push(svc);
    counts.servicePorts += svc.ports;
    counts.endpoints += svc.endpoints;
  }
  counts.services = out.length;
  if (counts.ipv6Slices > 0) notModelled["IPv6 EndpointSlices"] = counts.ipv6Slices;
  return { source: file, services: out, node, counts, notModelled, orphanExamples: orphans };
}
