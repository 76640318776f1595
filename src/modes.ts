// The names the runs write and the report reads: the kube-proxy modes the proxiers model, and the lookup cores.
export const PROXY_MODES = [
  "userspace",
  "iptables-full",
  "iptables-partial",
  "ipvs",
  "nftables",
  "ebpf",
  "ebpf-maglev",
] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

/** The lookup suite's cores: the KUBE-SERVICES chain, IPVS's service table, nft's verdict map, BPF's hash map. */
export const CORE_IMPLS = [
  "chain-scalar",
  "chain-simd",
  "chain-ts",
  "svctable-fixed",
  "svctable-resizable",
  "vmap",
  "map-ts",
  "ebpf-htab",
] as const;
export type CoreImpl = (typeof CORE_IMPLS)[number];
