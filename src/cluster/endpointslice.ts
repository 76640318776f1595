// The EndpointSlice object (kubernetes staging/src/k8s.io/api/discovery/v1/types.go): one Service's
// endpoints, at most --max-endpoints-per-slice (default 100) per slice.

/** kube-controller-manager --max-endpoints-per-slice default (pkg/controller/endpointslice/config). */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface SliceEndpoint {
  readonly ip: number;
  /** conditions.ready */
  readonly ready: boolean;
  /** conditions.serving (default: as ready) and conditions.terminating (default false). */
  readonly serving?: boolean;
  readonly terminating?: boolean;
  /** nodeName: the node the pod runs on. */
  readonly nodeName?: string;
  /** targetRef: the pod's name. */
  readonly pod: string;
}

export interface SlicePort {
  readonly name: string;
  readonly protocol: "TCP" | "UDP" | "SCTP";
  readonly port: number;
}

export interface EndpointSlice {
  readonly namespace: string;
  readonly name: string;
  /** The kubernetes.io/service-name label. */
  readonly service: string;
  readonly ports: readonly SlicePort[];
  readonly endpoints: readonly SliceEndpoint[];
}
