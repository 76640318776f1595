// The fields of Service v1 and discovery.k8s.io/v1 EndpointSlice that svcbench reads (kubernetes
// staging/src/k8s.io/api/core/v1/types.go ServiceSpec, staging/src/k8s.io/api/discovery/v1/types.go),
// as zod schemas: every other field is let through untouched, a wrong type names its path.
import { z } from "zod";

const meta = z
  .object({
    name: z.string().min(1),
    namespace: z.string().min(1).default("default"),
    labels: z.record(z.string(), z.string()).optional(),
    ownerReferences: z.array(z.object({ kind: z.string().optional(), name: z.string().optional() }).loose()).optional(),
  })
  .loose();

const port = z
  .object({
    name: z.string().optional(),
    protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP"),
    port: z.number().int().min(1).max(65535),
    nodePort: z.number().int().optional(),
  })
  .loose();

export const serviceSchema = z
  .object({
    kind: z.literal("Service"),
    metadata: meta,
    spec: z
      .object({
        type: z.enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]).default("ClusterIP"),
        clusterIP: z.string().optional(),
        ports: z.array(port).optional(),
        externalIPs: z.array(z.string()).optional(),
        externalTrafficPolicy: z.enum(["Cluster", "Local"]).optional(),
        internalTrafficPolicy: z.enum(["Cluster", "Local"]).optional(),
        loadBalancerSourceRanges: z.array(z.string()).optional(),
        sessionAffinity: z.enum(["None", "ClientIP"]).optional(),
        trafficDistribution: z.string().optional(),
        ipFamilies: z.array(z.string()).optional(),
      })
      .loose(),
    status: z
      .object({
        loadBalancer: z
          .object({ ingress: z.array(z.object({ ip: z.string().optional() }).loose()).optional() })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type KubeService = z.infer<typeof serviceSchema>;

export const endpointSliceSchema = z
  .object({
    kind: z.literal("EndpointSlice"),
    metadata: meta,
    addressType: z.enum(["IPv4", "IPv6", "FQDN"]),
    endpoints: z
      .array(
        z
          .object({
            addresses: z.array(z.string()).min(1),
            conditions: z
              .object({
                ready: z.boolean().optional(),
                serving: z.boolean().optional(),
                terminating: z.boolean().optional(),
              })
              .loose()
              .optional(),
            nodeName: z.string().optional(),
            hints: z.unknown().optional(),
          })
          .loose(),
      )
      .nullish(),
    ports: z
      .array(
        z
          .object({ name: z.string().optional(), port: z.number().int().optional(), protocol: z.string().optional() })
          .loose(),
      )
      .nullish(),
  })
  .loose();
export type KubeEndpointSlice = z.infer<typeof endpointSliceSchema>;

/** The label the EndpointSlice controller puts on every slice it manages: the owning Service's name. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

/** "spec.ports.0.port" → "spec.ports[0].port" */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** The first problem zod found, as "field: what". */
export function firstIssue(err: z.ZodError): { field: string; what: string } {
  const i = err.issues[0];
  return { field: fieldPath(i.path) || "(top level)", what: i.message };
}
