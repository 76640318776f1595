// Two hosts in private namespaces joined by a veth pair: the "node" (client, where the Service
// rules live and the OUTPUT hook sees the first packet) and the "pods" host holding the pod IPs.
import { spawn } from "node:child_process";
import { CLUSTER_CIDR, formatCidr, formatIPv4, NODE_IP } from "../../src/cluster/ip";
import { SvcbenchError } from "../../src/core";
import { SERVICE_CIDR_BASE } from "../../src/workload/cluster";
import { nodeArgs } from "../../src/util/root";
import { Netns } from "./netns";
import { record } from "./resources";

/** The node's address is the one kube-proxy's rules know (NODE_IP); the pods host sits beside it. */
const NODE_ADDR = formatIPv4(NODE_IP);
const PODS_ADDR = formatIPv4(NODE_IP + 1);
/** ClusterIPs (--service-cluster-ip-range) and pod IPs (--cluster-cidr) route over the veth. */
const ROUTED = [`${formatIPv4(SERVICE_CIDR_BASE)}/12`, formatCidr(CLUSTER_CIDR)];
export const PROBE_ARGS = nodeArgs("bench/kernel/probe");

export interface Hosts {
  node: Netns;
  pods: Netns;
  delete(): Promise<void>;
}

/**
 * Node and pods namespaces; the pods side answers for podAddrs (dotted quads); ClusterIPs and pod IPs route
 * over the veth.
 */
export async function twoHosts(podAddrs: string[]): Promise<Hosts> {
  const node = await Netns.create("node");
  const pods = await Netns.create("pods");
  const hosts = {
    node,
    pods,
    delete: async () => {
      await node.delete();
      await pods.delete();
    },
  };
  try {
    record({ kind: "link", name: "veth-node", netns: node.name });
    await node.must("ip", [
      "link",
      "add",
      "veth-node",
      "type",
      "veth",
      "peer",
      "name",
      "veth-pods",
      "netns",
      pods.name,
    ]);
    await node.must("ip", ["addr", "add", `${NODE_ADDR}/24`, "dev", "veth-node"]);
    await node.must("ip", ["link", "set", "veth-node", "up"]);
    for (const net of ROUTED) await node.must("ip", ["route", "add", net, "via", PODS_ADDR]);
    await pods.must("ip", ["addr", "add", `${PODS_ADDR}/24`, "dev", "veth-pods"]);
    for (const a of podAddrs) await pods.must("ip", ["addr", "add", `${a}/32`, "dev", "veth-pods"]);
    await pods.must("ip", ["link", "set", "veth-pods", "up"]);
    await pods.must("ip", ["route", "add", "default", "via", NODE_ADDR]);
    return hosts;
  } catch (err) {
    await hosts.delete();
    throw err;
  }
}

/** Starts the pods' TCP listener on port; resolves once it listens; call the result to stop it. */
export function listen(pods: Netns, port: number): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", pods.name, process.execPath, ...PROBE_ARGS, "listen", String(port)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("listening"))
        resolve(() => {
          child.stdin.end();
          child.kill();
        });
    });
    child.on("exit", (code) => reject(new SvcbenchError(`the pod listener exited (${code}): ${err.trim()}`)));
  });
}

/** COUNT sequential connects from the node to addr:port; latencies in ns. */
export async function connectLatencies(node: Netns, addr: string, port: number, count: number): Promise<number[]> {
  const r = await node.exec(
    process.execPath,
    [...PROBE_ARGS, "connect", addr, String(port), String(count)],
    "",
    120000,
  );
  if (r.code !== 0)
    throw new SvcbenchError(`connecting from ${node.name} to ${addr}:${port} failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as number[];
}
