// The dials of net.DialTimeout in kubernetes pkg/proxy/userspace/proxysocket.go, as the node meets
// them: a ready pod accepts; a pod that is not ready, or told to refuse, answers RST at once; an
// address no pod holds never answers, so the dial waits out its timeout.
import { ClusterStore } from "../../cluster/store";
import { parseIPv4 } from "../../cluster/ip";

interface DialResult {
  readonly ok: boolean;
  /** Simulated time the attempt took (ms). */
  readonly ms: number;
}

export interface Network {
  dial(endpoint: string, timeoutMs: number): DialResult;
}

/** A round trip on the node's network. */
export const DIAL_RTT_MS = 0.1;

export class ClusterNetwork implements Network {
  /** "ip:port" endpoints that refuse connections though their pod is ready. */
  readonly refusing = new Set<string>();

  constructor(private readonly store: ClusterStore) {}

  dial(endpoint: string, timeoutMs: number): DialResult {
    const pod = this.store.podByIP(parseIPv4(endpoint.slice(0, endpoint.lastIndexOf(":"))));
    if (!pod) return { ok: false, ms: timeoutMs };
    if (!pod.ready || this.refusing.has(endpoint)) return { ok: false, ms: Math.min(DIAL_RTT_MS, timeoutMs) };
    return { ok: true, ms: Math.min(DIAL_RTT_MS, timeoutMs) };
  }
}
