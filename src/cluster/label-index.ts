// An index from (namespace, label pair) to object names, like the informer indexers the
// endpoints controller uses to find the Services of a Pod and the Pods of a Service
// (kubernetes pkg/controller/endpointslice/endpointslice_controller.go, via client-go listers).
import { Labels, labelPairs } from "./labels";

export class LabelIndex {
  private readonly map = new Map<string, Set<string>>();

  private static key(namespace: string, pair: string): string {
    return `${namespace}\u0000${pair}`;
  }

  add(namespace: string, labels: Labels | undefined, name: string): void {
    for (const pair of labelPairs(labels)) {
      const k = LabelIndex.key(namespace, pair);
      let s = this.map.get(k);
      if (!s) this.map.set(k, (s = new Set()));
      s.add(name);
    }
  }

  remove(namespace: string, labels: Labels | undefined, name: string): void {
    for (const pair of labelPairs(labels)) {
      const k = LabelIndex.key(namespace, pair);
      const s = this.map.get(k);
      if (!s) continue;
      s.delete(name);
      if (s.size === 0) this.map.delete(k);
    }
  }

  /** Names carrying this pair in this namespace. */
  get(namespace: string, pair: string): ReadonlySet<string> {
    return this.map.get(LabelIndex.key(namespace, pair)) ?? EMPTY;
  }

  /** The smallest of the sets of the given pairs: the candidates a selector needs to check. */
  narrowest(namespace: string, pairs: readonly string[]): ReadonlySet<string> {
    let best: ReadonlySet<string> | undefined;
    for (const p of pairs) {
      const s = this.get(namespace, p);
      if (best === undefined || s.size < best.size) best = s;
      if (best.size === 0) break;
    }
    return best ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
