// What the eBPF model's host side shares (cilium bpf/lib/lb.h, pkg/maglev/maglev.go): the lb4 key
// packed as three words, the map sizes, Maglev's table sizes and seeds, and backend names.
import { formatIPv4 } from "../cluster/ip";

/** CILIUM_LB_MAP_MAX_ENTRIES: --bpf-lb-map-max's default, the lb4 maps' max_entries. */
export const LB_MAP_MAX_ENTRIES = 65536;
/** LB_LOOKUP_SCOPE_EXT: the key scope a socket lookup uses first. */
export const LB_LOOKUP_SCOPE_EXT = 0;

/** lb4_key words: address; dport | backend_slot << 16; proto | scope << 8 (assembly/ebpf/lb4.ts). */
export function lb4Key(
  addr: number,
  dport: number,
  proto: number,
  slot = 0,
  scope = LB_LOOKUP_SCOPE_EXT,
): [number, number, number] {
  return [addr >>> 0, ((dport & 0xffff) | (slot << 16)) >>> 0, ((proto & 0xff) | ((scope & 0xff) << 8)) >>> 0];
}

/** Table sizes Cilium accepts (--bpf-lb-maglev-table-size); 16381 is pkg/maglev's DefaultTableSize. */
export const MAGLEV_PRIMES = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071] as const;
export const MAGLEV_DEFAULT_M = 16381;

/** pkg/maglev DefaultHashSeed, base64 of 12 bytes: seedMurmur, SeedJhash0 (HASH_INIT4_SEED), SeedJhash1, big-endian. */
const MAGLEV_DEFAULT_SEED = "JLfvgnHc2kaSUFaI";

interface MaglevSeeds {
  murmur: number;
  jhash4: number;
}

/** maglev.Init's decoding of the seed; an error line for a seed that is not 12 bytes of base64. */
export function maglevSeeds(seed = MAGLEV_DEFAULT_SEED): MaglevSeeds {
  const d = Buffer.from(seed, "base64");
  if (d.length !== 12 || d.toString("base64") !== seed)
    throw new Error(`Maglev hash seed "${seed}" is not 12 bytes of base64`);
  return { murmur: d.readUInt32BE(0), jhash4: d.readUInt32BE(4) };
}

export interface Backend {
  addr: number;
  port: number;
}

/** The name a backend is hashed by: "a.b.c.d:port" (L3n4Addr.String()). */
export const backendName = (b: Backend) => `${formatIPv4(b.addr)}:${b.port}`;

/** Backends sorted by name, as UpsertMaglevLookupTable sorts them before GetLookupTable (sort.Strings: byte order). */
export function maglevOrder<B extends Backend>(backends: readonly B[]): B[] {
  return backends
    .map((b) => [backendName(b), b] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, b]) => b);
}
