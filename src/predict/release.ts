// The kube-proxy release whose sync loop the prediction follows, and the constants it takes from it.
// Both BoundedFrequencyRunner generations (the pinned v1.35.0's pkg/proxy/runner and the older
// pkg/util/async token bucket) are src/proxy/sync-runner.ts.
import { LARGE_CLUSTER_ENDPOINTS } from "../proxy/iptables/options";
import { RunnerKind } from "../proxy/sync-runner";

export interface Release {
  readonly tag: string;
  readonly runner: RunnerKind;
  /** burstSyncs (token-bucket runner only). */
  readonly burstSyncs: number;
  /** proxyutil.FullSyncPeriod: iptables and nftables force a full sync when the last one is older. */
  readonly fullSyncPeriodMs: number;
  /** largeClusterEndpointsThreshold (iptables): above it, no per-endpoint comments. */
  readonly largeClusterEndpoints: number;
}

export const RELEASES: Readonly<Record<RunnerKind, Release>> = {
  "token-bucket": {
    tag: "v1.33 (pkg/util/async runner)",
    runner: "token-bucket",
    burstSyncs: 2,
    fullSyncPeriodMs: 3600000,
    largeClusterEndpoints: LARGE_CLUSTER_ENDPOINTS,
  },
  cooldown: {
    tag: "v1.35.0 (pkg/proxy/runner)",
    runner: "cooldown",
    burstSyncs: 1,
    fullSyncPeriodMs: 3600000,
    largeClusterEndpoints: LARGE_CLUSTER_ENDPOINTS,
  },
};

/** The release svcbench's renderers follow (README: pinned kube-proxy v1.35.0) and its runner. */
export const PINNED: Release = RELEASES.cooldown;
