// The endpoint changes a node's kube-proxy receives over the simulated period, as times (ms) and the
// Service each touches (an index into the snapshot's Services).
// --churn RATE: a Poisson stream of RATE changes per second, each on a Service drawn in proportion to
//   its endpoints (a Service with more pods sees more pod churn), seeded.
// --events FILE: a recorded trace, JSON lines; each line either
//   {"t": SECONDS, "service": "namespace/name"}                               (svcbench's own form), or
//   a watch event of `kubectl get endpointslices -A --watch --output-watch-events -o json`:
//   {"type": "MODIFIED", "object": {EndpointSlice}} timed by the slice's
//   endpoints.kubernetes.io/last-change-trigger-time annotation (what kube-proxy's
//   network_programming_duration_seconds counts from), or a top-level "time" (RFC 3339).
//   Times are taken relative to the first line's.
import { Rng } from "../util/rng";
import { InputError } from "../snapshot/input-error";
import { readText } from "../snapshot/read-doc";
import { SERVICE_NAME_LABEL } from "../snapshot/kube-schema";

export interface Churn {
  /** Change times, ms, ascending. */
  readonly t: Float64Array;
  /** Service index of each change. */
  readonly service: Int32Array;
  /** Lines of a trace that named no Service of the snapshot (counted, skipped). */
  readonly unknown: number;
  readonly source: string;
}

/** Draws Service indices in proportion to their endpoints: u in [0, 1) → index. */
export type Picker = (u: number) => number;

/**
 * Services of a cluster of `total` whose Service j has endpoints[j % endpoints.length] (the snapshot's
 * shape scaled), drawn in proportion to their endpoints; uniformly if no Service has any.
 */
export function endpointWeights(endpoints: ArrayLike<number>, total = endpoints.length): Picker {
  const base = endpoints.length;
  const cum = new Float64Array(base);
  let acc = 0;
  for (let i = 0; i < base; i++) cum[i] = acc += endpoints[i];
  if (acc === 0) for (let i = 0; i < base; i++) cum[i] = acc = i + 1;
  const copies = Math.floor(total / base),
    rest = total % base;
  const restW = rest === 0 ? 0 : cum[rest - 1];
  const all = copies * acc + restW;
  const find = (x: number, n: number) => {
    let lo = 0,
      hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return (u) => {
    const x = u * all;
    const copy = Math.floor(x / acc);
    if (copy < copies) return copy * base + find(x - copy * acc, base);
    return copies * base + find(x - copies * acc, rest);
  };
}

/** A Poisson stream of rate changes/s over durationMs on Services drawn by pick. */
export function poissonChurn(rate: number, durationMs: number, pick: Picker, seed: number): Churn {
  const rng = new Rng(seed);
  const expected = Math.ceil(((rate * durationMs) / 1000) * 1.1 + 16);
  let t = new Float64Array(expected),
    svc = new Int32Array(expected);
  let n = 0,
    now = 0;
  if (rate > 0) {
    for (;;) {
      now += (-Math.log(1 - rng.float()) / rate) * 1000;
      if (now >= durationMs) break;
      if (n === t.length) {
        const t2 = new Float64Array(n * 2),
          s2 = new Int32Array(n * 2);
        t2.set(t);
        s2.set(svc);
        t = t2;
        svc = s2;
      }
      t[n] = now;
      svc[n++] = pick(rng.float());
    }
  }
  return {
    t: t.subarray(0, n),
    service: svc.subarray(0, n),
    unknown: 0,
    source: `Poisson, ${rate} changes/s, seed ${seed}`,
  };
}

interface TraceLine {
  t?: unknown;
  service?: unknown;
  time?: unknown;
  type?: unknown;
  object?: { metadata?: { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };
}

/** Reads a JSON-lines trace; lines past durationMs are left out. */
export function readEvents(file: string, index: ReadonlyMap<string, number>, durationMs: number): Churn {
  const rows: [number, number][] = [];
  let unknown = 0,
    first: number | undefined;
  readText(file)
    .split("\n")
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === "") return;
      let o: TraceLine;
      try {
        o = JSON.parse(line);
      } catch (err) {
        throw new InputError(file, `line ${i + 1}`, undefined, `malformed JSON: ${(err as Error).message}`);
      }
      let at: number, key: string;
      if (o.object !== undefined) {
        const m = o.object.metadata ?? {};
        const stamp =
          m.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"] ??
          (typeof o.time === "string" ? o.time : undefined);
        at = stamp === undefined ? NaN : Date.parse(stamp);
        if (!Number.isFinite(at))
          throw new InputError(
            file,
            `line ${i + 1}`,
            'object.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"]',
            'a watch event needs this annotation or a top-level "time" (RFC 3339)',
          );
        key = `${m.namespace ?? "default"}/${m.labels?.[SERVICE_NAME_LABEL] ?? ""}`;
      } else {
        if (typeof o.t !== "number" || !Number.isFinite(o.t) || o.t < 0)
          throw new InputError(file, `line ${i + 1}`, "t", "must be seconds (a number >= 0)");
        if (typeof o.service !== "string")
          throw new InputError(file, `line ${i + 1}`, "service", 'must be "namespace/name"');
        at = o.t * 1000;
        key = o.service;
      }
      first ??= at;
      const s = index.get(key);
      if (s === undefined) {
        unknown++;
        return;
      }
      const rel = at - first;
      if (rel < 0) throw new InputError(file, `line ${i + 1}`, "t", "times must not go back before the first line's");
      if (rel < durationMs) rows.push([rel, s]);
    });
  rows.sort((a, b) => a[0] - b[0]);
  return {
    t: Float64Array.from(rows, (r) => r[0]),
    service: Int32Array.from(rows, (r) => r[1]),
    unknown,
    source: `trace ${file}`,
  };
}
