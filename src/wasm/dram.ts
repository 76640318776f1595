// Host side of assembly/dram.ts: random line reads over a buffer the size of a table, dependent
// (one chase) or g independent chases at once — the memory system's limit for a hash lookup.
import { check, Result } from "../core";
import { wasm } from "./module";

export class WasmDram {
  private readonly ptr: number;

  constructor(bytes: number, seed: number) {
    this.ptr = wasm().dram_new(bytes >>> 0, seed >>> 0);
    check(this.ptr === 0 ? Result.NO_MEMORY : Result.OK, `a ${bytes}-byte read buffer`);
  }

  /** count reads as g chases taking turns (g = 1: each read waits for the one before); a checksum. */
  read(count: number, g: number): number {
    return wasm().dram_read(this.ptr, count, g);
  }

  dispose(): void {
    wasm().dram_free(this.ptr);
  }
}
