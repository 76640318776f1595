// One proxier per kube-proxy mode, by the name the reports use.
import { ClusterStore } from "../cluster/store";
import { SvcbenchError } from "../core";
import { IptablesProxier } from "./iptables/proxier";
import { IpvsProxier } from "./ipvs/proxier";
import { NftablesProxier } from "./nftables/proxier";
import { EbpfProxier } from "./ebpf/proxier";
import { ebpfMapMax } from "./ebpf/map-size";
import { NodeConfig } from "./node";
import { Proxier, PROXY_MODES, ProxyMode } from "./types";
import { ClusterNetwork } from "./userspace/network";
import { UserspaceProxier } from "./userspace/proxier";

interface ProxierOptions {
  readonly node?: NodeConfig;
  /** iptables and nftables: keep the last text written. */
  readonly keepText?: boolean;
}

export function newProxier(mode: ProxyMode, store: ClusterStore, o: ProxierOptions = {}): Proxier {
  switch (mode) {
    case "userspace":
      return new UserspaceProxier(new ClusterNetwork(store), o);
    case "iptables-full":
      return new IptablesProxier({ partial: false, ...o });
    case "iptables-partial":
      return new IptablesProxier({ partial: true, ...o });
    case "ipvs":
      return new IpvsProxier(o);
    case "nftables":
      return new NftablesProxier(o);
    case "ebpf":
    case "ebpf-maglev":
      return new EbpfProxier({ ...o, algorithm: mode === "ebpf" ? "random" : "maglev", mapMax: ebpfMapMax(store) });
    default:
      throw new SvcbenchError(`unknown proxy mode "${mode as string}"; known: ${PROXY_MODES.join(", ")}`);
  }
}
