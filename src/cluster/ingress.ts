// The Ingress object and its matching rules (kubernetes staging/src/k8s.io/api/networking/v1/types.go
// and the Ingress spec: Exact and Prefix paths, the longest match wins, Exact before Prefix at equal
// length; a wildcard host "*.foo.com" covers exactly one more DNS label).
import { SvcbenchError } from "../core";
import { checkDnsLabel } from "./labels";

type PathType = "Exact" | "Prefix";

export interface IngressBackend {
  /** A Service in the Ingress's namespace. */
  readonly service: string;
  /** The Service port, by number or by name. */
  readonly port: number | string;
}

export interface IngressPath {
  readonly path: string;
  readonly pathType: PathType;
  readonly backend: IngressBackend;
}

interface IngressRule {
  /** Absent: every host. */
  readonly host?: string;
  readonly paths: readonly IngressPath[];
}

export interface Ingress {
  readonly namespace: string;
  readonly name: string;
  readonly rules: readonly IngressRule[];
  readonly defaultBackend?: IngressBackend;
}

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkBackend(at: string, b: IngressBackend): void {
  checkDnsLabel(`${at}.service`, b?.service);
  const p = b.port;
  const ok =
    typeof p === "number" ? Number.isInteger(p) && p >= 1 && p <= 65535 : typeof p === "string" && p.length > 0;
  if (!ok) throw new SvcbenchError(`${at}.port must be a port number or a port name, got ${JSON.stringify(p)}`);
}

export function checkIngress(ing: Ingress): Ingress {
  const at = `Ingress ${ing?.namespace}/${ing?.name}`;
  checkDnsLabel(`${at}: namespace`, ing.namespace);
  checkDnsLabel(`${at}: name`, ing.name, 253);
  if (!Array.isArray(ing.rules)) throw new SvcbenchError(`${at}: rules must be a list`);
  if (ing.rules.length === 0 && ing.defaultBackend === undefined)
    throw new SvcbenchError(`${at}: needs rules or a default backend`);
  ing.rules.forEach((r, i) => {
    if (r.host !== undefined && (!HOST.test(r.host) || r.host.length > 253)) {
      throw new SvcbenchError(
        `${at}: rules[${i}].host must be a DNS name, optionally "*." first, got ${JSON.stringify(r.host)}`,
      );
    }
    if (!Array.isArray(r.paths) || r.paths.length === 0)
      throw new SvcbenchError(`${at}: rules[${i}] needs at least one path`);
    r.paths.forEach((p: IngressPath, j: number) => {
      const pat = `${at}: rules[${i}].paths[${j}]`;
      if (typeof p.path !== "string" || !p.path.startsWith("/"))
        throw new SvcbenchError(`${pat}.path must start with "/", got ${JSON.stringify(p.path)}`);
      if (p.pathType !== "Exact" && p.pathType !== "Prefix") {
        throw new SvcbenchError(
          `${pat}.pathType must be Exact or Prefix (ImplementationSpecific is not modelled), got ${JSON.stringify(p.pathType)}`,
        );
      }
      checkBackend(`${pat}.backend`, p.backend);
    });
  });
  if (ing.defaultBackend !== undefined) checkBackend(`${at}: defaultBackend`, ing.defaultBackend);
  return ing;
}

/** Path elements: split on "/", empty elements (leading, trailing, doubled slashes) dropped. */
function elements(path: string): string[] {
  return path.split("/").filter((e) => e !== "");
}

/**
 * Prefix: every element of the rule's path equals the request's element at the same place ("/foo/bar" covers
 * "/foo/bar/baz", not "/foo/barbaz").
 */
export function prefixMatches(rulePath: string, requestPath: string): boolean {
  const r = elements(rulePath),
    q = elements(requestPath);
  return r.length <= q.length && r.every((e, i) => e === q[i]);
}

export function pathMatches(p: Pick<IngressPath, "path" | "pathType">, requestPath: string): boolean {
  return p.pathType === "Exact" ? p.path === requestPath : prefixMatches(p.path, requestPath);
}

/** "*.foo.com" covers "bar.foo.com" but neither "foo.com" nor "baz.bar.foo.com". */
export function hostMatches(ruleHost: string, host: string): boolean {
  if (!ruleHost.startsWith("*.")) return ruleHost === host;
  const rest = ruleHost.slice(1); // ".foo.com"
  return host.endsWith(rest) && host.length > rest.length && !host.slice(0, host.length - rest.length).includes(".");
}

/** A path's length for precedence; a Prefix path's trailing slashes do not count ("/foo/" is "/foo"). */
function matchLength(p: Pick<IngressPath, "path" | "pathType">): number {
  return p.pathType === "Exact" ? p.path.length : p.path.replace(/\/+$/, "").length;
}

/** Among the paths that match: the longest path; at equal length Exact before Prefix; then the earlier one. */
export function bestPath<P extends Pick<IngressPath, "path" | "pathType">>(
  paths: readonly P[],
  requestPath: string,
): P | undefined {
  let best: P | undefined;
  for (const p of paths) {
    if (!pathMatches(p, requestPath)) continue;
    const d = best === undefined ? 1 : matchLength(p) - matchLength(best);
    if (d > 0 || (d === 0 && p.pathType === "Exact" && best!.pathType === "Prefix")) best = p;
  }
  return best;
}
