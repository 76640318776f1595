// TS twin of assembly/ebpf/htab.ts: the kernel's preallocated BPF hash map (linux kernel/bpf/hashtab.c),
// the same buckets, element order and free list, so both walk the same lists.
import { MISS, PacketColumns, Result } from "../../core";
import { BPF_EXIST, BPF_NOEXIST, checkMapShape, Htab, HTAB_NIL, Key, Value } from "../../ebpf/htab";
import { lb4Key } from "../../ebpf/lb4";
import { jhash2 } from "./jhash";

const roundupPow2 = (n: number) => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));

export class TsHtab implements Htab {
  readonly buckets: number;
  count = 0;
  private readonly heads: Uint32Array;
  private readonly next: Uint32Array;
  private readonly hashes: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly values: Uint32Array;
  private freeHead = 0;

  constructor(
    readonly keyWords: number,
    readonly maxEntries: number,
    readonly hashrnd: number,
  ) {
    checkMapShape(keyWords, maxEntries);
    this.buckets = roundupPow2(maxEntries);
    this.heads = new Uint32Array(this.buckets).fill(HTAB_NIL);
    this.next = new Uint32Array(maxEntries);
    for (let i = 0; i < maxEntries; i++) this.next[i] = i + 1 < maxEntries ? i + 1 : HTAB_NIL;
    this.hashes = new Uint32Array(maxEntries);
    this.keys = new Uint32Array(maxEntries * 3);
    this.values = new Uint32Array(maxEntries * 3);
  }

  private hash(k: Key): number {
    return jhash2(this.keyWords, k[0], k[1], k[2], this.hashrnd);
  }

  private keyOk(k: Key): boolean {
    return (this.keyWords >= 2 || k[1] === 0) && (this.keyWords >= 3 || k[2] === 0);
  }

  private find(hash: number, k: Key): number {
    for (let i = this.heads[hash & (this.buckets - 1)]; i !== HTAB_NIL; i = this.next[i]) {
      if (
        this.hashes[i] === hash &&
        this.keys[i * 3] === k[0] &&
        this.keys[i * 3 + 1] === k[1] &&
        this.keys[i * 3 + 2] === k[2]
      )
        return i;
    }
    return HTAB_NIL;
  }

  update(k: Key, v: Value, flags = 0): Result {
    if (flags > BPF_EXIST || !this.keyOk(k)) return Result.BAD_ARG;
    const hash = this.hash(k);
    let i = this.find(hash, k);
    if (i !== HTAB_NIL) {
      if (flags === BPF_NOEXIST) return Result.EXISTS;
    } else {
      if (flags === BPF_EXIST) return Result.NOT_FOUND;
      if (this.freeHead === HTAB_NIL) return Result.FULL;
      i = this.freeHead;
      this.freeHead = this.next[i];
      const b = hash & (this.buckets - 1);
      this.next[i] = this.heads[b];
      this.heads[b] = i;
      this.hashes[i] = hash;
      this.keys.set(k, i * 3);
      this.count++;
    }
    this.values.set(v, i * 3);
    return Result.OK;
  }

  delete(k: Key): Result {
    if (!this.keyOk(k)) return Result.NOT_FOUND;
    const hash = this.hash(k),
      b = hash & (this.buckets - 1);
    let prev = HTAB_NIL;
    for (let i = this.heads[b]; i !== HTAB_NIL; prev = i, i = this.next[i]) {
      if (
        this.hashes[i] !== hash ||
        this.keys[i * 3] !== k[0] ||
        this.keys[i * 3 + 1] !== k[1] ||
        this.keys[i * 3 + 2] !== k[2]
      )
        continue;
      if (prev === HTAB_NIL) this.heads[b] = this.next[i];
      else this.next[prev] = this.next[i];
      this.next[i] = this.freeHead;
      this.freeHead = i;
      this.count--;
      return Result.OK;
    }
    return Result.NOT_FOUND;
  }

  lookup(k: Key): Value | undefined {
    if (!this.keyOk(k)) return undefined;
    const i = this.find(this.hash(k), k);
    return i === HTAB_NIL ? undefined : [this.values[i * 3], this.values[i * 3 + 1], this.values[i * 3 + 2]];
  }

  lookupLb4(batch: PacketColumns, start: number, count: number): void {
    const { daddr: D, dport: T, proto: R, out: O } = batch;
    for (let j = start, end = start + count; j < end; j++) {
      // A port or protocol past its range is no lb4 key: it matches nothing.
      if (T[j] > 0xffff || R[j] > 0xff) {
        O[j] = MISS;
        continue;
      }
      const k = lb4Key(D[j], T[j], R[j]);
      const i = this.find(this.hash(k), k);
      O[j] = i === HTAB_NIL ? MISS : this.values[i * 3];
    }
  }

  chainLengths(): number[] {
    const out = new Array<number>(this.buckets).fill(0);
    for (let b = 0; b < this.buckets; b++) for (let i = this.heads[b]; i !== HTAB_NIL; i = this.next[i]) out[b]++;
    return out;
  }

  dispose(): void {}
}
