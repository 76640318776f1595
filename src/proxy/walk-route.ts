// Where a walk through netfilter rules leaves a packet, as a Route (the iptables and nftables proxiers):
// DNAT to an endpoint of the service port whose service chain the packet entered (kubernetes
// pkg/proxy/iptables/proxier.go, pkg/proxy/nftables/proxier.go: one service chain per ServicePortName).
import { formatIPv4 } from "../cluster/ip";
import { ChainNameCache } from "./chain-cache";
import { Route } from "./types";

export interface WalkEnd {
  readonly kind: "dnat" | "reject" | "drop" | "pass";
  readonly to?: { ip: number; port: number };
  readonly masq: boolean;
  /** The first service chain the packet entered (KUBE-SVC-…, service-…). */
  readonly serviceChain?: string;
  /** iptables: the comment of the REJECT or DROP rule that ended it. */
  readonly comment?: string;
}

/** rejected: the service a REJECT rule names, when it names one. */
export function walkRoute(o: WalkEnd, names: ChainNameCache, rejected?: string): Route {
  switch (o.kind) {
    case "dnat": {
      const service = (o.serviceChain && names.ownerOf(o.serviceChain)) ?? "?";
      return { verdict: "dnat", service, endpoint: `${formatIPv4(o.to!.ip)}:${o.to!.port}`, masq: o.masq };
    }
    case "reject":
      return rejected === undefined ? { verdict: "reject" } : { verdict: "reject", service: rejected };
    case "drop":
      return { verdict: "drop" };
    default:
      return { verdict: "pass" };
  }
}
