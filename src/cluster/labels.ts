// Labels and equality-based selectors, as in kubernetes staging/src/k8s.io/apimachinery/pkg/labels
// (a Service's spec.selector is a plain map: every key must be present with the same value).
import { SvcbenchError } from "../core";

export type Labels = Readonly<Record<string, string>>;

const NAME = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i;
const PREFIXED = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i;

/** A DNS-1123 label: what namespaces, names and port names are made of. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkDnsLabel(what: string, v: unknown, max = 63): string {
  if (typeof v !== "string" || v.length === 0 || v.length > max || !DNS_LABEL.test(v)) {
    throw new SvcbenchError(
      `${what} must be lowercase letters, digits and '-', 1..${max} characters, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Label keys are an optional DNS prefix and a name; values are names of at most 63 characters (may be empty). */
export function checkLabels(what: string, labels: unknown): Labels {
  if (labels === undefined) return {};
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) {
    throw new SvcbenchError(`${what} must be a map of label keys to values`);
  }
  for (const [k, v] of Object.entries(labels)) {
    if (k.length > 316 || !PREFIXED.test(k)) throw new SvcbenchError(`${what}: bad label key ${JSON.stringify(k)}`);
    if (typeof v !== "string" || v.length > 63 || (v !== "" && !NAME.test(v))) {
      throw new SvcbenchError(`${what}: bad value ${JSON.stringify(v)} for label ${k}`);
    }
  }
  return labels as Labels;
}

/**
 * A selector matches labels that carry every one of its pairs; an empty selector selects nothing (a Service
 * without selector has no managed endpoints).
 */
export function selectorMatches(selector: Labels | undefined, labels: Labels): boolean {
  if (selector === undefined) return false;
  let any = false;
  for (const k in selector) {
    any = true;
    if (labels[k] !== selector[k]) return false;
  }
  return any;
}

/** "key=value" for each pair: the keys of the label indexes. */
export function labelPairs(labels: Labels | undefined): string[] {
  return labels === undefined ? [] : Object.keys(labels).map((k) => `${k}=${labels[k]}`);
}
