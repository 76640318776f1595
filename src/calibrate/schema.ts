// The calibration profile: per kernel backend and step, a cost function of the quantity that drives
// it, fitted from one machine's kernel.json; the connect probe's fixed and per-rule cost; the machine.

/** The schema this build reads and writes; a profile of another version is refused by name. */
export const CALIBRATION_SCHEMA = "svcbench-calibration/1";

/** Backends the kernel suite measures today; a profile may hold others (a bpf backend) under their own name. */
export const KNOWN_BACKENDS = ["iptables-legacy-restore", "iptables-nft-restore", "nft-f"] as const;
export const STEPS = [
  "first-load",
  "partial-resync",
  "full-resync",
  "add-service",
  "delete-service",
  "connect",
] as const;
export type Step = (typeof STEPS)[number];

/**
 * What a step's cost is a function of:
 * - bytes_written: the text handed to the tool (a first load, a full resync: everything);
 * - bytes_held: what the table already holds, as the text of its first load (a partial resync, one
 *   Service added or deleted: the tool reads, checks and replaces the table it changes);
 * - rules_walked: KUBE-SERVICES rules a first packet walks before its own (the connect probe);
 * - services: Services in the table (a lookup that does not walk rules: the nftables verdict map).
 */
export type Driver = "bytes_written" | "bytes_held" | "rules_walked" | "services";

/** The form every cost function has: t(x) = a + b·x^k, in ns. */
export const FORM = "a + b·x^k";

export interface MeasuredPoint {
  n: number;
  x: number;
  t_ns: number;
}

export interface HeldOut {
  n: number;
  x: number;
  measured_ns: number;
  predicted_ns: number;
  error_pct: number;
}

export interface CostFunction {
  backend: string;
  step: Step;
  driver: Driver;
  form: typeof FORM;
  a_ns: number;
  b: number;
  k: number;
  /** The points it was fitted to (medians). */
  points: MeasuredPoint[];
  /** Steps over the time limit: the time is a lower bound at that x. */
  lower_bounds: MeasuredPoint[];
  /**
   * Single loads timed outside the samples after a case went over its limit: not fitted, set against the
   * prediction.
   */
  checks: MeasuredPoint[];
  /** Relative residuals of the fit over its own points. */
  fit_error: { rms_pct: number; max_pct: number };
  /** Each interior size left out of the fit and predicted. */
  held_out: HeldOut[];
}

interface Machine {
  cpu: string;
  cores: number;
  kernel: string;
  node: string;
  tools: Record<string, string>;
}

/** The connect probe on one backend: a connect's fixed cost, and what each rule walked adds at each measured size. */
export interface ConnectCost {
  backend: string;
  fixed_ns: number;
  per_rule: { n: number; rules: number; ns: number }[];
}

export interface Profile {
  schema: typeof CALIBRATION_SCHEMA;
  /** Which machine's profile this is. */
  name: string;
  machine: Machine;
  /** The kernel.json it was fitted from. */
  source: { date: string; commit: string; sizes: number[]; endpoints: number; exec_overhead_ns?: number };
  /** KUBE-SERVICES rules per Service (the connect probe's rules walked over N), to turn N into rules walked. */
  rules_per_service?: number;
  /** Bytes of first-load text per Service, by backend family (iptables, nft), to turn N into bytes held. */
  bytes_per_service: Record<string, number>;
  /** Bytes per line of iptables-restore text, to turn a published line count into bytes written. */
  iptables_bytes_per_line?: number;
  functions: CostFunction[];
  connect: ConnectCost[];
}
