// Source: cilium pkg/option/config.go (bpf-lb-map-max, default 65536); entries as linux kernel/bpf/hashtab.c
// sizes them.
// --bpf-lb-map-max for a cluster: Cilium's default (65536) or, when its Services need more, what an
// operator sets so that they fit, with room to double: each service port has up to three frontends
// (ClusterIP, LoadBalancer IP, NodePort), each a slot 0 and one slot per endpoint.
import { ClusterStore } from "../../cluster/store";
import { LB_MAP_MAX_ENTRIES } from "../../ebpf/lb4";

export function ebpfMapMax(store: ClusterStore): number {
  let need = 0;
  for (const s of store.services.values()) need += 3 * s.ports.length;
  for (const sl of store.slices.values()) need += 3 * sl.endpoints.length * Math.max(1, sl.ports.length);
  return Math.max(LB_MAP_MAX_ENTRIES, 2 ** Math.ceil(Math.log2(2 * need + 1)));
}
