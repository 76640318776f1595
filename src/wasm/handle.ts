// What every host handle on WebAssembly memory shares (batches, scratch words, chains, keyed tables,
// virtual services, routes, and any handle added later): one disposed state. dispose() frees once and
// is a no-op after; every other call reaches WASM only through `ptr` (or guard()), which refuses with a
// SvcbenchError once disposed, so a stale handle can never edit memory that a newer one now owns.
import { SvcbenchError } from "../core";
import { checkUnheld } from "./holds";

export abstract class WasmHandle {
  private address = 0;
  private gone = false;

  /** what: the handle's name in messages (its impl, "batch", …). */
  protected constructor(readonly what: string) {}

  /** Set once by the subclass's constructor, when WASM has handed out the pointer. */
  protected own(ptr: number): void {
    this.address = ptr;
  }

  get disposed(): boolean {
    return this.gone;
  }

  /** Throws once disposed: call it before any WASM call that does not go through ptr. */
  protected guard(): void {
    if (this.gone) throw new SvcbenchError(`${this.what}: used after dispose(); make a new one`);
  }

  /** The handle's pointer in linear memory; a SvcbenchError once disposed. */
  get ptr(): number {
    if (this.gone) this.guard();
    return this.address;
  }

  /** Frees what WASM holds for it, once (a live route pointing at it refuses, and it stays live). */
  dispose(): void {
    if (this.gone) return;
    checkUnheld(this, `${this.what}: freeing it`);
    this.free(this.address);
    this.gone = true;
  }

  /** The WASM free of this kind; may throw (the handle then stays live). */
  protected abstract free(ptr: number): void;
}
