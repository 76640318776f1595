// Host side of assembly/dram.ts: random line reads over a buffer the size of a table, dependent
// (one chase) or g independent chases at once — the memory system's limit for a hash lookup.
import { check, Result } from "../core";
import { WasmHandle } from "./handle";
import { wasm } from "./module";

export class WasmDram extends WasmHandle {
  constructor(bytes: number, seed: number) {
    super("DRAM read buffer");
    const ptr = wasm().dram_new(bytes >>> 0, seed >>> 0);
    check(ptr === 0 ? Result.NO_MEMORY : Result.OK, `a ${bytes}-byte read buffer`);
    this.own(ptr);
  }

  /** count reads as g chases taking turns (g = 1: each read waits for the one before); a checksum. */
  read(count: number, g: number): number {
    return wasm().dram_read(this.ptr, count, g);
  }

  protected free(ptr: number): void {
    wasm().dram_free(ptr);
  }
}
