// Connection traffic for the balance benchmark: new connections arrive at one ClusterIP (Poisson, from a
// pool of clients), each with a job of exponential size; the chosen pod serves its connections one at a
// time (FIFO) at its own speed; a finished job closes its connection, which then waits out TIME_WAIT in
// the connection table as inactive. So the least-connection schedulers see real activeconns and
// inactconns, and a pod's utilization is the work it was given over its speed.
import { PacketColumns, ServicePort, SvcbenchError } from "../core";
import { DROP, IpvsRoute, NO_DEST } from "../ipvs";
import { jain, maxOverMean, percentile } from "../util/stats";
import { Rng } from "../util/rng";

interface ConnTraffic {
  /** Work per ms each pod does; pod i is dest id i. */
  speeds: number[];
  /** Offered work over the pods' total speed (0.8: 80% busy if perfectly spread). */
  load: number;
  connections: number;
  /** Mean job size: ms of work at speed 1. */
  meanWorkMs: number;
  clients: number;
  seed: number;
}

export interface BalanceFigures {
  /** Pod utilization (busy time over the run) max / mean, and Jain's index over it. */
  max_mean: number;
  jain: number;
  /** Connections at the chosen pod when a new one arrives (itself included), 99th percentile. */
  p99_queue: number;
  mean_response_ms: number;
  p99_response_ms: number;
  /** First packets that got no dest (NO_DEST or DROP). */
  refused: number;
}

const CLIENT_BASE = 0x0a010000; // 10.1.0.0/16

/** Runs the traffic through route to the service at vip. */
export function runConnTraffic(
  route: IpvsRoute,
  vip: ServicePort,
  t: ConnTraffic,
  batch: PacketColumns,
): BalanceFigures {
  const n = t.speeds.length,
    rng = new Rng(t.seed);
  const rate = (t.load * t.speeds.reduce((a, b) => a + b, 0)) / t.meanWorkMs; // arrivals per ms
  const saddr = new Uint32Array(t.connections),
    sport = new Uint32Array(t.connections),
    end = new Float64Array(t.connections);
  const queues: number[][] = Array.from({ length: n }, () => []),
    heads = new Uint32Array(n);
  const free = new Float64Array(n),
    busy = new Float64Array(n);
  const queued = new Uint32Array(t.connections),
    response = new Float64Array(t.connections);
  let refused = 0,
    now = 0,
    served = 0;

  const packet = (i: number): void => {
    batch.saddr[0] = saddr[i];
    batch.sport[0] = sport[i];
    batch.daddr[0] = vip.addr;
    batch.dport[0] = vip.port;
    batch.proto[0] = vip.proto;
  };
  /** Closes every connection whose job is done by time `until`, earliest first. */
  const finish = (until: number): void => {
    for (;;) {
      let pod = -1;
      for (let p = 0; p < n; p++) {
        const q = queues[p];
        if (
          heads[p] < q.length &&
          end[q[heads[p]]] <= until &&
          (pod < 0 || end[q[heads[p]]] < end[queues[pod][heads[pod]]])
        )
          pod = p;
      }
      if (pod < 0) return;
      const i = queues[pod][heads[pod]++];
      packet(i);
      route.close(batch, 0, 1, Math.floor(end[i]));
    }
  };

  for (let i = 0; i < t.connections; i++) {
    now += -Math.log(1 - rng.float()) / rate;
    finish(now);
    route.expire(Math.floor(now));
    saddr[i] = (CLIENT_BASE + rng.below(t.clients)) >>> 0;
    sport[i] = 1024 + (i % 64000);
    const work = -Math.log(1 - rng.float()) * t.meanWorkMs;
    packet(i);
    route.route(batch, 0, 1, Math.floor(now));
    const pod = batch.out[0];
    if (pod === NO_DEST || pod === DROP) {
      refused++;
      continue;
    }
    if (pod >= n) throw new SvcbenchError(`the route answered ${pod} for a service of ${n} pods`);
    const took = work / t.speeds[pod];
    end[i] = Math.max(now, free[pod]) + took;
    free[pod] = end[i];
    busy[pod] += took;
    queues[pod].push(i);
    queued[served] = queues[pod].length - heads[pod];
    response[served++] = end[i] - now;
  }
  const utilization = Array.from(busy, (b) => b / now);
  const answered = response.subarray(0, served);
  return {
    max_mean: maxOverMean(utilization),
    jain: jain(utilization),
    p99_queue: percentile(queued.subarray(0, served), 0.99),
    mean_response_ms: answered.reduce((a, b) => a + b, 0) / Math.max(1, served),
    p99_response_ms: percentile(answered, 0.99),
    refused,
  };
}
