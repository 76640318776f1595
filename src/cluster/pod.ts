// The Pod object as in kubernetes staging/src/k8s.io/api/core/v1/types.go, cut to what the
// endpoints controller reads: labels, status.podIP, the Ready condition.
import { SvcbenchError } from "../core";
import { checkIPv4 } from "./ip";
import { checkDnsLabel, checkLabels, Labels } from "./labels";

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  /** status.podIP; a pod without one (still pending) is no endpoint yet. */
  readonly ip?: number;
  /** The Ready condition. */
  readonly ready: boolean;
}

export function checkPod(p: Pod): Pod {
  const at = `Pod ${p?.namespace}/${p?.name}`;
  checkDnsLabel(`${at}: namespace`, p.namespace);
  checkDnsLabel(`${at}: name`, p.name, 253);
  checkLabels(`${at}: labels`, p.labels);
  if (p.ip !== undefined) checkIPv4(`${at}: podIP`, p.ip);
  if (typeof p.ready !== "boolean") throw new SvcbenchError(`${at}: ready must be true or false`);
  if (p.ready && p.ip === undefined) throw new SvcbenchError(`${at}: a pod without an IP cannot be ready`);
  return p;
}
