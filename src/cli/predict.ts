// `svcbench predict`: what one node's kube-proxy will cost in each mode, for a cluster snapshot (or a
// shape), its kube-proxy configuration and its churn. Every input is read and checked before anything
// is computed; files are written (atomically) only at the end, only under --out.
import path from "node:path";
import { SvcbenchError } from "../core";
import { readProfile, REFERENCE_PROFILE } from "../calibrate/load";
import { choiceFlag, intFlag, Io, numberFlag, parseFlags, processIo, UsageError } from "./flags";
import { readSnapshot } from "../snapshot/load";
import { DEFAULT_PROXY_CONFIG, readProxyConfig } from "../snapshot/proxy-config";
import { parseEndpointsFlag, shapeSnapshot } from "../snapshot/shape";
import { Snapshot } from "../snapshot/snapshot";
import { readEvents } from "../predict/churn";
import { SyncCost } from "../predict/sync-cost";
import { PREDICT_MODES, PredictMode } from "../predict/modes";
import { readObserved } from "../predict/observed";
import { ChurnSpec, predict } from "../predict/predict";
import { PINNED, RELEASES } from "../predict/release";
import { terminalReport } from "../predict/format";
import { predictJson, writePredictOut } from "./predict-out";
import { parseGoDuration } from "../snapshot/proxy-config";

const PREDICT_TITLE =
  "svcbench predict — one node's kube-proxy cost per mode for your cluster, and where each mode breaks";
const PREDICT_HELP = `${PREDICT_TITLE}

Usage: svcbench predict (--cluster FILE | --services N --endpoints E) [flags]

Inputs:
  --cluster FILE        kubectl get services,endpointslices -A -o json (or -o yaml); - reads stdin
  --services N          instead of a snapshot: N ClusterIP Services (10k, 1M allowed) ...
  --endpoints E         ... with E endpoints each, or a distribution COUNT:SHARE,… (1:50%,10:40%,100:10%)
  --config FILE         KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1, YAML or JSON, as
                        kube-proxy --write-config-to writes it); default: the pinned release's defaults
  --node NAME           whose endpoints are local (default: the node hosting the most endpoints)
  --churn RATE          endpoint changes per second, a Poisson stream over Services in proportion to
                        their endpoints (default: 1)
  --events FILE         instead of --churn: a JSON-lines trace, one change a line:
                        {"t": SECONDS, "service": "namespace/name"}, or a watch event of
                        kubectl get endpointslices -A --watch --output-watch-events -o json, timed by
                        its endpoints.kubernetes.io/last-change-trigger-time annotation
  --duration D          simulated period, a Go duration (default: 1h)
  --profile FILE        calibration profile (svcbench-calibration/1, npm run calibrate writes one)
                        (default: calibration/reference.json, the reference machine's)
  --observed FILE       a kube-proxy /metrics scrape (Prometheus text): shown beside the prediction
  --runner KIND         BoundedFrequencyRunner: cooldown (pkg/proxy/runner, kube-proxy ${PINNED.tag.split(" ")[0]}) or
                        token-bucket (pkg/util/async, burst 2, before v1.34) (default: ${PINNED.runner})
  --modes LIST          modes, comma-separated, among ${PREDICT_MODES.join(", ")} (default: all)
  --slo S               network-programming latency SLO, seconds (default: 30)
  --first-packet-slo US first packet's added latency limit, µs (default: 1000)
  --seed N              churn seed (default: 1)
Output:
  --json                predict.json on stdout instead of the tables
  --out DIR             write DIR/predict.json, DIR/PREDICT.md and DIR/charts/*.svg
  -h, --help            this text

Progress goes to stderr for runs longer than a second.
`;

type Flags = Record<string, string | boolean | undefined>;
const str = (f: Flags, k: string) => (typeof f[k] === "string" ? (f[k] as string) : undefined);

function snapshotOf(f: Flags, io: Io): Snapshot {
  const cluster = str(f, "cluster"),
    services = str(f, "services"),
    endpoints = str(f, "endpoints");
  if (cluster !== undefined && (services !== undefined || endpoints !== undefined))
    throw new UsageError("give --cluster or --services/--endpoints, not both");
  if (cluster !== undefined)
    return readSnapshot(cluster, { node: str(f, "node"), warn: (l) => io.stderr.write(`svcbench: ${l}\n`) });
  if (services === undefined || endpoints === undefined)
    throw new UsageError("give --cluster FILE, or --services N with --endpoints E");
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(services);
  const n = m ? Number(m[1]) * (m[2] === "" ? 1 : /k/i.test(m[2]) ? 1e3 : 1e6) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 2_000_000)
    throw new UsageError(`--services must be a whole number from 1 to 2000000 (10k, 1M allowed), got "${services}"`);
  return shapeSnapshot(n, parseEndpointsFlag(endpoints));
}

/** A profile this build cannot read is a refused input: one line naming the file, exit 2. */
function profileOf(file: string): SyncCost {
  try {
    return new SyncCost(readProfile(file), file);
  } catch (err) {
    if (err instanceof SvcbenchError) throw new UsageError(err.message);
    throw err;
  }
}

const PREDICT_FLAGS: Parameters<typeof parseFlags>[1] = {
  cluster: { type: "string" },
  services: { type: "string" },
  endpoints: { type: "string" },
  config: { type: "string" },
  node: { type: "string" },
  churn: { type: "string" },
  events: { type: "string" },
  duration: { type: "string" },
  profile: { type: "string" },
  observed: { type: "string" },
  runner: { type: "string" },
  modes: { type: "string" },
  slo: { type: "string" },
  "first-packet-slo": { type: "string" },
  seed: { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** The run's settings from their flags, each checked: the period, the modes, the limits, the seed, the runner. */
function settingsOf(f: Flags) {
  const durStr = str(f, "duration") ?? "1h";
  const durationMs = parseGoDuration(durStr);
  if (durationMs === undefined || durationMs < 1000 || durationMs > 7 * 86400000)
    throw new UsageError(`--duration must be a Go duration from 1s to 168h, got "${durStr}"`);
  if (str(f, "churn") !== undefined && str(f, "events") !== undefined)
    throw new UsageError("give --churn or --events, not both");
  const modes = (
    str(f, "modes")
      ?.split(",")
      .map((s) => s.trim()) ?? [...PREDICT_MODES]
  ).map((m) => choiceFlag("modes", m, "nftables", PREDICT_MODES));
  const limits = {
    sloS: numberFlag("slo", str(f, "slo"), 30, 0.001, 86400),
    firstPacketSloUs: numberFlag("first-packet-slo", str(f, "first-packet-slo"), 1000, 0.001, 1e9),
  };
  const seed = intFlag("seed", str(f, "seed"), 1, 0, 0xffffffff);
  const release =
    RELEASES[choiceFlag("runner", str(f, "runner"), PINNED.runner, ["token-bucket", "cooldown"] as const)];
  return { durationMs, modes, limits, seed, release };
}

/** Progress on stderr once a run has taken a second, at most twice a second; `end` clears a terminal's line. */
function progressOn(io: Io) {
  const t0 = performance.now();
  let lastShown = 0;
  const tty = io.stderr.isTTY === true;
  const progress = (what: string, done: number, total: number) => {
    const now = performance.now();
    if (now - t0 < 1000 || now - lastShown < 500) return;
    lastShown = now;
    io.stderr.write(
      `${tty ? "\r\x1b[K" : ""}predict: ${Math.min(99, Math.round((done / total) * 100))}% ${what}${tty ? "" : "\n"}`,
    );
  };
  const end = () => {
    if (tty && performance.now() - t0 >= 1000) io.stderr.write("\r\x1b[K");
  };
  return { progress, end };
}

export async function predictMain(argv: string[], io: Io = processIo()): Promise<void> {
  const f = parseFlags(argv, PREDICT_FLAGS);
  if (f.help) {
    io.stdout.write(PREDICT_HELP);
    return;
  }
  const { durationMs, modes, limits, seed, release } = settingsOf(f);
  // Every input read and checked before any work.
  const snapshot = snapshotOf(f, io);
  const config = str(f, "config") === undefined ? DEFAULT_PROXY_CONFIG : readProxyConfig(str(f, "config")!);
  const model = profileOf(str(f, "profile") ?? path.relative(process.cwd(), REFERENCE_PROFILE));
  let churn: ChurnSpec;
  if (str(f, "events") !== undefined) {
    const index = new Map(snapshot.services.map((s, i) => [`${s.namespace}/${s.name}`, i]));
    churn = { trace: readEvents(str(f, "events")!, index, durationMs) };
  } else churn = { rate: numberFlag("churn", str(f, "churn"), 1, 0, 1e6) };
  const observed = str(f, "observed") === undefined ? undefined : readObserved(str(f, "observed")!);
  const out = str(f, "out");

  const { progress, end } = progressOn(io);
  const pr = predict({ snapshot, config, model, release, churn, durationMs, seed, limits, modes, progress });
  end();

  // Observed metrics are kube-proxy's in the configured mode
  // (iptables: the nft backend, as current distributions ship it).
  const obsMode: PredictMode = config.mode === "iptables" ? "iptables-nft" : config.mode;
  const obsPred = pr.modes.find((p) => p.mode === obsMode) ?? pr.modes[0];
  const obs = observed && { mode: obsPred, obs: observed };
  if (out !== undefined) await writePredictOut(out, pr, ["svcbench predict", ...argv].join(" "), obs);
  if (f.json === true) io.stdout.write(predictJson(pr, obs));
  else
    io.stdout.write(
      terminalReport(pr, obs) + (out !== undefined ? `wrote ${out}/predict.json, PREDICT.md, charts/\n` : ""),
    );
}
