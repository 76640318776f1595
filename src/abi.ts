// Generated from assembly/ by scripts/abi.js (npm run build): the constants the host shares with the
// WebAssembly module, each as its assembly/ file defines it. Do not edit; test/abi.test.ts checks it.
// assembly/common.ts
export const MISS = 0xffffffff;
export const NIL = 0xffffffff;
export const OK = 0;
export const EXISTS = 1;
export const NOT_FOUND = 2;
export const FULL = 3;
export const NO_MEMORY = 4;
export const BAD_PROTO = 5;
export const BAD_ARG = 6;
export const MAX_ENTRIES = 0x800000;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;
// assembly/batch.ts
export const COL_DADDR = 0;
export const COL_DPORT = 1;
export const COL_PROTO = 2;
export const COL_SADDR = 3;
export const COL_SPORT = 4;
export const COL_OUT = 5;
export const BATCH_COLUMNS = 6;
// assembly/service.ts
export const IP_VS_SVC_F_SCHED1 = 8;
export const IP_VS_SVC_F_SCHED2 = 16;
export const NO_DEST = 0xfffffffe;
export const DROP = 0xfffffffd;
export const UNKNOWN_SCHED = 7;
export const IN_USE = 8;
export const HEAD = 0xffffffff;
// assembly/dest.ts
export const IP_VS_DEST_F_AVAILABLE = 1;
export const IP_VS_DEST_F_OVERLOAD = 2;
export const MAX_WEIGHT = 65535;
export const MAX_DESTS = 0x10000;
export const ADDR = 0;
export const PORT = 1;
export const WEIGHT = 2;
export const LAST_WEIGHT = 3;
export const ACTIVECONNS = 4;
export const INACTCONNS = 5;
export const FLAGS = 6;
export const U_THRESHOLD = 7;
export const L_THRESHOLD = 8;
export const REFCNT = 9;
export const DEST_FIELDS = 10;
// assembly/sched/dispatch.ts
export const SCHED_RR = 0;
export const SCHED_WRR = 1;
export const SCHED_LC = 2;
export const SCHED_WLC = 3;
export const SCHED_SED = 4;
export const SCHED_NQ = 5;
export const SCHED_DH = 6;
export const SCHED_SH = 7;
export const SCHED_MH = 8;
export const SCHED_COUNT = 9;
export const SCHED_NONE = 9;
// assembly/sched/dh.ts
export const IP_VS_DH_TAB_SIZE = 256;
// assembly/sched/sh.ts
export const IP_VS_SH_TAB_SIZE = 256;
// assembly/sched/mh.ts
export const IP_VS_MH_TAB_SIZE = 4093;
