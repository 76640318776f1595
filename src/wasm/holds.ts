// What live WASM routes (src/wasm/route.ts) point at: a route keeps raw pointers to its table and
// services in linear memory, so freeing one of them while a route lists it would leave the route
// reading freed memory. Each listed object is held once per route; dispose() checks first.
import { SvcbenchError } from "../core";

const holds = new WeakMap<object, number>();

export function hold(o: object): void {
  holds.set(o, (holds.get(o) ?? 0) + 1);
}

export function unhold(o: object): void {
  const n = holds.get(o) ?? 0;
  if (n <= 1) holds.delete(o);
  else holds.set(o, n - 1);
}

/** Throws while a live route lists o: what names o in the message. */
export function checkUnheld(o: object, what: string): void {
  const n = holds.get(o) ?? 0;
  if (n > 0)
    throw new SvcbenchError(
      `${what}: ${n} live route${n === 1 ? "" : "s"} still point${n === 1 ? "s" : ""} at it: dispose the route first`,
    );
}
