// The watch stream of the API server: add, update and delete events per kind, delivered in order
// to every subscriber, as informers deliver them (kubernetes staging/src/k8s.io/client-go/tools/cache,
// ResourceEventHandler).
import type { EndpointSlice } from "./endpointslice";
import type { Ingress } from "./ingress";
import type { Pod } from "./pod";
import type { Service } from "./service";

type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** prev is absent on ADDED, cur on DELETED (OnAdd(obj) / OnUpdate(old, new) / OnDelete(obj)). */
export interface WatchEvent<T> {
  readonly type: EventType;
  readonly prev?: T;
  readonly cur?: T;
}

export interface Kinds {
  Service: Service;
  Pod: Pod;
  EndpointSlice: EndpointSlice;
  Ingress: Ingress;
}
export type Kind = keyof Kinds;
type Handler<K extends Kind> = (e: WatchEvent<Kinds[K]>) => void;

export class EventStream {
  private readonly handlers: { [K in Kind]: Handler<K>[] } = { Service: [], Pod: [], EndpointSlice: [], Ingress: [] };

  /** Calls h for every later event of this kind; the answer unsubscribes. */
  subscribe<K extends Kind>(kind: K, h: Handler<K>): () => void {
    const list = this.handlers[kind] as Handler<K>[];
    list.push(h);
    return () => {
      const i = list.indexOf(h);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends Kind>(kind: K, e: WatchEvent<Kinds[K]>): void {
    for (const h of this.handlers[kind] as Handler<K>[]) h(e);
  }
}

export function eventOf<T>(prev: T | undefined, cur: T | undefined): WatchEvent<T> {
  return { type: prev === undefined ? "ADDED" : cur === undefined ? "DELETED" : "MODIFIED", prev, cur };
}
