// The kube-proxy release whose sync loop the prediction follows, and the constants it takes from it.
// Two generations of BoundedFrequencyRunner exist: kubernetes pkg/util/async/bounded_frequency_runner.go
// (a token bucket: one run per minInterval with a burst of 2, proxiers' burstSyncs) and its successor
// pkg/proxy/runner/bounded_frequency_runner.go (no burst: minInterval counts from the end of a run,
// retryInterval = syncPeriod, maxInterval = FullSyncPeriod), which the pinned v1.35.0 proxiers use.
import { LARGE_CLUSTER_ENDPOINTS } from "../proxy/iptables/options";

export type RunnerKind = "token-bucket" | "cooldown";

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
