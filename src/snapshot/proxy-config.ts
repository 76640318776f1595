// KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1, as `kube-proxy --write-config-to` writes it):
// the fields that decide a node's sync work, with the defaults of kubernetes
// pkg/proxy/apis/config/v1alpha1/defaults.go (iptables and nftables minSyncPeriod 1s and syncPeriod 30s,
// ipvs syncPeriod 30s with minSyncPeriod left 0, ipvs scheduler rr, mode "" = iptables on Linux).
import { z } from "zod";
import { Cidr, CLUSTER_CIDR, NODE_IP, tryParseCidr } from "../cluster/ip";
import { NodeConfig } from "../proxy/node";
import { InputError } from "./input-error";
import { firstIssue } from "./kube-schema";
import { parseDoc, readText } from "./read-doc";

export const PROXY_CONFIG_API = "kubeproxy.config.k8s.io/v1alpha1";

export interface SyncTiming {
  readonly minSyncPeriodMs: number;
  readonly syncPeriodMs: number;
}

export interface ProxyConfig {
  /** Where it came from: a file, or "defaults". */
  readonly source: string;
  /** The mode the node runs now ("iptables" for ""). */
  readonly mode: "iptables" | "ipvs" | "nftables";
  readonly iptables: SyncTiming;
  readonly nftables: SyncTiming;
  readonly ipvs: SyncTiming & { readonly scheduler: string };
  readonly masqueradeAll: boolean;
  readonly nodePortAddresses: readonly string[];
  readonly clusterCIDR?: Cidr;
}

export const DEFAULT_PROXY_CONFIG: ProxyConfig = {
  source: "defaults",
  mode: "iptables",
  iptables: { minSyncPeriodMs: 1000, syncPeriodMs: 30000 },
  nftables: { minSyncPeriodMs: 1000, syncPeriodMs: 30000 },
  ipvs: { minSyncPeriodMs: 0, syncPeriodMs: 30000, scheduler: "rr" },
  masqueradeAll: false,
  nodePortAddresses: [],
};

/** A metav1.Duration as Go's time.ParseDuration reads it: "1s", "500ms", "1m30s", "0". */
export function parseGoDuration(s: string): number | undefined {
  if (s === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let ms = 0,
    m: RegExpExecArray | null,
    end = 0;
  while ((m = re.exec(s)) !== null) {
    ms += Number(m[1]) * unit[m[2]];
    end = re.lastIndex;
  }
  return end === s.length && s.length > 0 ? ms : undefined;
}

const duration = z
  .string()
  .refine((s) => parseGoDuration(s) !== undefined, { message: "must be a Go duration such as 1s, 500ms or 1m30s" });
const timing = z.object({ minSyncPeriod: duration.optional(), syncPeriod: duration.optional() }).loose();
const configSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.literal("KubeProxyConfiguration"),
    mode: z.enum(["", "iptables", "ipvs", "nftables", "kernelspace"]).optional(),
    // Newer releases: one syncPeriod / minSyncPeriod for every mode.
    syncPeriod: duration.optional(),
    minSyncPeriod: duration.optional(),
    iptables: timing.optional(),
    nftables: timing.optional(),
    ipvs: timing.extend({ scheduler: z.string().optional() }).optional(),
    masqueradeAll: z.boolean().optional(),
    nodePortAddresses: z.array(z.string()).nullish(),
    clusterCIDR: z.string().optional(),
  })
  .loose();

/** Reads and checks a KubeProxyConfiguration file; another apiVersion or a bad field is one line. */
export function readProxyConfig(file: string): ProxyConfig {
  const doc = parseDoc(file, readText(file)) as { apiVersion?: unknown; kind?: unknown };
  if (doc === null || typeof doc !== "object")
    throw new InputError(file, undefined, undefined, "is not a KubeProxyConfiguration object");
  if (doc.apiVersion !== PROXY_CONFIG_API) {
    throw new InputError(
      file,
      "KubeProxyConfiguration",
      "apiVersion",
      `must be ${PROXY_CONFIG_API}, got ${JSON.stringify(doc.apiVersion ?? null)}`,
    );
  }
  const r = configSchema.safeParse(doc);
  if (!r.success) {
    const { field, what } = firstIssue(r.error);
    throw new InputError(file, "KubeProxyConfiguration", field, what);
  }
  const c = r.data;
  if (c.mode === "kernelspace")
    throw new InputError(
      file,
      "KubeProxyConfiguration",
      "mode",
      "kernelspace is the Windows proxier; svcbench predicts Linux modes",
    );
  const d = DEFAULT_PROXY_CONFIG;
  const ms = (v: string | undefined, dflt: number) => (v === undefined ? dflt : parseGoDuration(v)!);
  const t = (x: { minSyncPeriod?: string; syncPeriod?: string } | undefined, dflt: SyncTiming): SyncTiming => ({
    minSyncPeriodMs: ms(x?.minSyncPeriod ?? c.minSyncPeriod, dflt.minSyncPeriodMs),
    syncPeriodMs: ms(x?.syncPeriod ?? c.syncPeriod, dflt.syncPeriodMs),
  });
  let clusterCIDR: Cidr | undefined;
  if (c.clusterCIDR !== undefined && c.clusterCIDR !== "") {
    // A dual-stack list "v4,v6": the IPv4 one is what svcbench models.
    const v4 = c.clusterCIDR
      .split(",")
      .map((x) => tryParseCidr(x.trim()))
      .find((x) => x !== undefined);
    if (!v4)
      throw new InputError(
        file,
        "KubeProxyConfiguration",
        "clusterCIDR",
        `${JSON.stringify(c.clusterCIDR)} holds no IPv4 CIDR`,
      );
    clusterCIDR = v4;
  }
  for (const [i, a] of (c.nodePortAddresses ?? []).entries()) {
    if (a !== "primary" && tryParseCidr(a) === undefined && !/:/.test(a))
      throw new InputError(
        file,
        "KubeProxyConfiguration",
        `nodePortAddresses[${i}]`,
        `${JSON.stringify(a)} is neither a CIDR nor "primary"`,
      );
  }
  return {
    source: file,
    mode: c.mode === undefined || c.mode === "" ? "iptables" : c.mode,
    iptables: t(c.iptables, d.iptables),
    nftables: t(c.nftables, d.nftables),
    ipvs: { ...t(c.ipvs, d.ipvs), scheduler: c.ipvs?.scheduler || d.ipvs.scheduler },
    masqueradeAll: c.masqueradeAll ?? false,
    nodePortAddresses: c.nodePortAddresses ?? [],
    clusterCIDR,
  };
}

/**
 * The node the renderers are given: svcbench's node address, the configuration's clusterCIDR, masqueradeAll
 * and nodePortAddresses ("primary" is the node's own address; IPv6 CIDRs select no IPv4 address).
 */
export function nodeConfigOf(c: ProxyConfig): NodeConfig {
  const cidrs = c.nodePortAddresses.flatMap((a) =>
    a === "primary" ? [{ base: NODE_IP, bits: 32 }] : [tryParseCidr(a)].filter((x): x is Cidr => x !== undefined),
  );
  return {
    nodeIP: NODE_IP,
    clusterCIDR: c.clusterCIDR ?? CLUSTER_CIDR,
    seed: 1,
    masqueradeAll: c.masqueradeAll,
    ...(c.nodePortAddresses.length > 0 && { nodePortAddresses: cidrs }),
  };
}
