// The modes a prediction covers: iptables with each backend of the iptables tools, nftables, and ipvs,
// deprecated per KEP-5495 (kubernetes/enhancements keps/sig-network/5495-deprecate-ipvs-mode).
export const PREDICT_MODES = ["iptables-legacy", "iptables-nft", "nftables", "ipvs"] as const;
export type PredictMode = (typeof PREDICT_MODES)[number];

export const MODE_NOTE: Readonly<Record<PredictMode, string>> = {
  "iptables-legacy": "iptables mode, iptables-legacy-restore",
  "iptables-nft": "iptables mode, iptables-nft-restore",
  nftables: "nftables mode, nft -f",
  ipvs: "ipvs mode (deprecated, KEP-5495)",
};

/** The kube-proxy mode name a KubeProxyConfiguration would use for it. */
export const CONFIG_MODE: Readonly<Record<PredictMode, "iptables" | "nftables" | "ipvs">> = {
  "iptables-legacy": "iptables", "iptables-nft": "iptables", nftables: "nftables", ipvs: "ipvs",
};
