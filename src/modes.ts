// The kube-proxy modes svcbench models, by the name the proxiers, the sync suite and the report use.
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
