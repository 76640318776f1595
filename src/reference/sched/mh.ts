// TS twin of assembly/sched/mh.ts (linux net/netfilter/ipvs/ip_vs_mh.c, Maglev): hsiphash permutations
// per dest, slots claimed in turns by last_weight / gcd >> rshift, a prime table of 4093.
import { Result, SvcbenchError } from "../../core";
import { IP_VS_MH_TAB_SIZE } from "../../ipvs";
import { NIL } from "../dest";
import { hsiphash_1u32 } from "../hash";
import { TableScheduler } from "./hashed";
import { SvcView } from "./scheduler";
import { gcdMax } from "./wrr";

const M = IP_VS_MH_TAB_SIZE;
const IP_VS_MH_TAB_BITS = 6;
const HASH1 = 2654435761;
const HASH2 = 2654446892;

/** ip_vs_mh_hashkey: hsiphash of offset + port + addr with the key {key, key}. */
function mhHash(addr: number, port: number, key: number, offset: number): number {
  return hsiphash_1u32((offset + port + addr) >>> 0, 0, key, 0, key);
}

const fls = (x: number): number => 32 - Math.clz32(x);

export class Mh extends TableScheduler {
  readonly maxDests = M;

  constructor(svc: SvcView) {
    super(svc, M);
    this.reassign();
  }

  protected reassign(): void {
    const d = this.svc.dests,
      n = d.num;
    // ip_vs_mh_reassign: more dests than slots is -EINVAL, and the table stays as it was.
    if (n > M) throw new SvcbenchError(`mh: ${n} dests for ${M} slots`, Result.FULL);
    const { gcd, max } = gcdMax(d, d.last_weight);
    if (gcd < 1) {
      this.tbl.fill(NIL);
      return;
    } // ip_vs_mh_populate: ip_vs_mh_reset
    const rshift = Math.max(0, fls(Math.trunc(max / gcd)) - IP_VS_MH_TAB_BITS);
    // ip_vs_mh_permutate
    const skip = new Uint32Array(n),
      perm = new Uint32Array(n),
      turns = new Int32Array(n);
    for (let p = 0; p < n; p++) {
      const id = d.order[p],
        addr = d.addr[id],
        port = d.port[id];
      perm[p] = mhHash(addr, port, HASH1, 0) % M;
      skip[p] = (mhHash(addr, port, HASH2, 0) % (M - 1)) + 1;
      const lw = d.last_weight[id];
      turns[p] = Math.trunc(lw / gcd) >> rshift || (lw !== 0 ? 1 : 0);
    }
    // ip_vs_mh_populate
    const taken = new Uint8Array(M);
    let filled = 0,
      count = 0;
    for (;;) {
      for (let p = 0; p < n; ) {
        if (turns[p] < 1) {
          p++;
          continue;
        }
        let c = perm[p];
        while (taken[c]) {
          c += skip[p];
          if (c >= M) c -= M;
        }
        perm[p] = c;
        taken[c] = 1;
        this.tbl[c] = p;
        if (++filled === M) return;
        if (++count >= turns[p]) {
          count = 0;
          p++;
        }
      }
    }
  }

  protected hashkey(addr: number, port: number, offset: number): number {
    return mhHash(addr, port, HASH1, offset) % M;
  }

  schedule(saddr: number, sport: number): number {
    return this.lookup(saddr, this.port(sport));
  }
}
