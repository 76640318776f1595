// The shape every TS twin scheduler has, as struct ip_vs_scheduler (linux include/net/ip_vs.h):
// made per service (init_service), told of dest changes by list position, asked for a list position.
import { TsDests } from "../dest";

/** What a scheduler sees of its service. */
export interface SvcView {
  readonly dests: TsDests;
  readonly flags: number;
}

export interface TsScheduler {
  /** Most dests it takes (mh: one per table slot); MAX_DESTS when absent. */
  readonly maxDests?: number;
  add_dest?(pos: number): void;
  del_dest?(pos: number): void;
  upd_dest?(pos: number): void;
  /** A list position, or NIL: no destination available. */
  schedule(saddr: number, sport: number, daddr: number): number;
  /** dh / sh / mh: the lookup table, list positions. */
  table?(): Uint32Array;
}
