// Published measurements to set beside ours, each with its source. Their machines, kernels and
// versions differ from ours: compare shapes (how cost grows with N), not absolute times.

export const PUBLISHED = `| source | what was measured | figures |
|---|---|---|
| KubeCon 2017, "Scale Kubernetes to Support 50,000 Services" (Huawei); kubernetes#44063 | time to add one rule (iptables full rewrite vs IPVS) | 1 / 5,000 / 20,000 Services: iptables 2 ms / 11 min / 5 hours; IPVS 2 ms at every size ("hours per rule to 2ms per rule") |
| kubernetes#96018 | one \`iptables-restore\` of a ~696k-line ruleset | 12.8 s |
| Kubernetes blog, "NFTables mode for kube-proxy" (2025-02-28) | first-packet latency by percentile, 5,000 / 10,000 / 30,000 Services | iptables grows O(n) with Services; nftables stays about constant: at 5,000 and 10,000 Services the nftables p50 is about the iptables p01, and at 30,000 the nftables worst case beats the iptables best case by a few µs; nftables is on par with (slightly better than) IPVS |
| Tigera, "Comparing kube-proxy modes: iptables or IPVS?" (2019) | round-trip time and CPU of a microservice, iptables vs IPVS | little difference until about 1,000 Services (10,000 backend pods); beyond that IPVS keeps latency and CPU flat while iptables grows |`;
