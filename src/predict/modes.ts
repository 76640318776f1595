// The modes a prediction covers: iptables with each backend of the iptables tools, nftables, ipvs,
// deprecated per KEP-5495 (kubernetes/enhancements keps/sig-network/5495-deprecate-ipvs-mode), and ebpf,
// Cilium's socket-level load balancing in place of kube-proxy (src/proxy/ebpf/proxier.ts).
export const PREDICT_MODES = ["iptables-legacy", "iptables-nft", "nftables", "ipvs", "ebpf"] as const;
export type PredictMode = (typeof PREDICT_MODES)[number];

export const MODE_NOTE: Readonly<Record<PredictMode, string>> = {
  "iptables-legacy": "iptables mode, iptables-legacy-restore",
  "iptables-nft": "iptables mode, iptables-nft-restore",
  nftables: "nftables mode, nft -f",
  ipvs: "ipvs mode (deprecated, KEP-5495)",
  ebpf: "Cilium's socket LB in place of kube-proxy, its lb4 maps",
};

/** The kube-proxy mode a KubeProxyConfiguration names for it; ebpf is not a kube-proxy mode. */
export const CONFIG_MODE: Readonly<Record<PredictMode, "iptables" | "nftables" | "ipvs" | undefined>> = {
  "iptables-legacy": "iptables",
  "iptables-nft": "iptables",
  nftables: "nftables",
  ipvs: "ipvs",
  ebpf: undefined,
};

/** The calibration profile's backend whose tool a mode's syncs run (ebpf: any bpf-* backend the profile has). */
export const BACKEND: Readonly<Record<PredictMode, string | RegExp | undefined>> = {
  "iptables-legacy": "iptables-legacy-restore",
  "iptables-nft": "iptables-nft-restore",
  nftables: "nft-f",
  ipvs: undefined,
  ebpf: /^bpf-/,
};
