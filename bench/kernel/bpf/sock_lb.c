// SPDX-License-Identifier: GPL-2.0
// svcbench's socket-level Service load balancer, after cilium bpf/bpf_sock.c (sock4_connect,
// __sock4_xlate_fwd) with the map layouts of cilium bpf/lib/lb.h: at connect(), look the
// ClusterIP:port up in the lb4 services hash map (slot 0: the frontend, with the backend count),
// pick a backend slot at random (slot 1..count), look its backend up by id, and rewrite the
// socket's destination to it. Only that: no TC/XDP per-packet path, no NodePort, no reverse NAT
// for UDP (LB4_REVERSE_NAT_SK_MAP), no session affinity, no health checking, no Maglev table.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef LB_MAP_MAX
#define LB_MAP_MAX 65536 /* CILIUM_LB_MAP_MAX_ENTRIES: --bpf-lb-map-max's default */
#endif

struct lb4_key {
	__be32 address;     /* Service virtual IPv4 address */
	__be16 dport;       /* L4 port */
	__u16 backend_slot; /* 0: the Service frontend; 1..count: its backends */
	__u8 proto;         /* L4 protocol */
	__u8 scope;         /* LB_LOOKUP_SCOPE_EXT (0) */
	__u8 pad[2];
};

struct lb4_service {
	__u32 backend_id;   /* in backend slots: the backend's id */
	__u16 count;        /* in the frontend: the number of backend slots */
	__u16 rev_nat_index;
	__u8 flags;
	__u8 flags2;
	__u16 qcount;
};

struct lb4_backend {
	__be32 address;
	__be16 port;
	__u8 proto;
	__u8 flags;
	__u16 cluster_id;
	__u8 zone;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb4_key);
	__type(value, struct lb4_service);
	__uint(max_entries, LB_MAP_MAX);
} lb4_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lb4_backend);
	__uint(max_entries, LB_MAP_MAX);
} lb4_backends SEC(".maps");

SEC("cgroup/connect4")
int sock4_connect(struct bpf_sock_addr *ctx)
{
	struct lb4_key key = {};
	struct lb4_service *svc, *slot;
	struct lb4_backend *backend;
	volatile __u32 dport = ctx->user_port; /* no narrow ctx access */

	key.address = ctx->user_ip4;
	key.dport = (__be16)dport;
	key.proto = (__u8)ctx->protocol;
	svc = bpf_map_lookup_elem(&lb4_services, &key);
	if (!svc || !svc->count)
		return 1; /* SYS_PROCEED: not a Service, left alone */
	key.backend_slot = (bpf_get_prandom_u32() % svc->count) + 1;
	slot = bpf_map_lookup_elem(&lb4_services, &key);
	if (!slot)
		return 1;
	backend = bpf_map_lookup_elem(&lb4_backends, &slot->backend_id);
	if (!backend)
		return 1;
	ctx->user_ip4 = backend->address;
	ctx->user_port = (__u32)backend->port;
	return 1;
}

char _license[] SEC("license") = "GPL";
