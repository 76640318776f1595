// The shortcut: per-sync counts summed per Service against the proxiers re-rendering the same cluster
// through the same endpoint changes, sync by sync (±5%).
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCluster, Cluster } from "../bench/sync-cluster";
import { parseCidr } from "../src/cluster/ip";
import { newProxier } from "../src/proxy/modes";
import { KubeProxy } from "../src/proxy/kube-proxy";
import { Rng } from "../src/util/rng";
import { snapshotFromStore } from "../src/snapshot/from-store";
import { countCluster, PREDICT_NODE } from "../src/predict/counts";
import { DEFAULT_NODE, NodeConfig } from "../src/proxy/node";
import { PredictMode } from "../src/predict/modes";
import { ProxyMode } from "../src/proxy/types";
import { IptablesProxier } from "../src/proxy/iptables/proxier";

const CASES: [PredictMode, ProxyMode][] = [
  ["iptables-legacy", "iptables-partial"],
  ["nftables", "nftables"],
  ["ipvs", "ipvs"],
  ["ebpf", "ebpf"],
];

/** Traffic policies, external IPs, several ingress IPs and source ranges on some of the Services. */
function withFeatures(c: Cluster): void {
  [...c.store.services.values()].forEach((s, i) => {
    const external = s.type !== "ClusterIP";
    c.store.updateService({
      ...s,
      ...(external && i % 3 === 0 && { externalTrafficPolicy: "Local" as const }),
      ...(i % 7 === 0 && { internalTrafficPolicy: "Local" as const }),
      ...(i % 5 === 0 && { externalIPs: [0xc6130000 + i] }),
      ...(s.type === "LoadBalancer" && {
        loadBalancerIngress: [0xc6140000 + i],
        loadBalancerSourceRanges: [parseCidr("203.0.113.0/24")],
      }),
    });
  });
}

/** The node settings a KubeProxyConfiguration passes on: masqueradeAll, nodePortAddresses (the node's IP and loopback). */
const NODE_SETTINGS: NodeConfig = {
  ...PREDICT_NODE,
  nodeName: DEFAULT_NODE.nodeName,
  masqueradeAll: true,
  nodePortAddresses: [parseCidr("192.168.0.0/16"), parseCidr("127.0.0.0/8")],
};

const VARIANTS: [string, boolean, NodeConfig | undefined][] = [
  ["", false, undefined],
  [" with traffic policies, external and ingress IPs, source ranges", true, undefined],
  [" with those and masqueradeAll, nodePortAddresses", true, NODE_SETTINGS],
];

for (const [name, features, node] of VARIANTS) {
  for (const [mode, proxyMode] of CASES) {
    // ebpf leaves traffic policies out (src/proxy/features.ts): its counts are checked on the plain cluster.
    if (features && mode === "ebpf") continue;
    test(`${mode}${name}: the per-Service shortcut is within 5% of the proxier's own syncs`, () => {
      const c = buildCluster(120, 3, 11);
      if (features) withFeatures(c);
      const snap = snapshotFromStore(c.store);
      const counts = countCluster(mode, snap.services, 1000, snap.services.length, node);
      const index = new Map(snap.services.map((s, i) => [`${s.namespace}/${s.name}`, i]));
      const kp = new KubeProxy(c.store, newProxier(proxyMode, c.store, { keepText: true, ...(node && { node }) }), {
        minSyncPeriodMs: 1000,
      });
      try {
        const first = kp.flush()!;
        assert.ok(first.full);
        const near = (what: string, got: number, want: number) => {
          if (process.env.SVCBENCH_SHOW) console.log(`${mode} ${what}: shortcut ${want}, proxier ${got}`);
          assert.ok(Math.abs(got - want) <= 0.05 * want, `${mode} ${what}: shortcut ${want}, proxier ${got}`);
        };
        if (mode !== "ipvs") near("full sync bytes", first.bytesWritten, counts.full.bytes);
        near("full sync rules", first.rulesWritten, counts.full.rules);
        if (mode === "iptables-legacy") {
          // The rules a first packet may walk: the nat table's KUBE-SERVICES, exactly.
          const text = (kp.proxier as IptablesProxier).lastText!;
          assert.equal(
            counts.kubeServicesRules,
            (text.slice(text.indexOf("*nat")).match(/^-A KUBE-SERVICES /gm) ?? []).length,
          );
        }
        const rng = new Rng(5);
        let pod = 0,
          predicted = 0,
          rendered = 0,
          predictedBytes = 0,
          renderedBytes = 0;
        for (let sync = 0; sync < 12; sync++) {
          // 1..4 endpoint replacements on Services drawn at random, then one sync.
          const changed = new Set<number>();
          for (let k = 1 + rng.below(4); k > 0; k--) {
            const i = rng.below(c.workload.services.length);
            const s = c.workload.services[i];
            const victim = c.store.podsSelectedBy(s.namespace, s.selector)[0];
            c.store.deletePod(victim.namespace, victim.name);
            c.store.createPod(c.workload.pod(i, `${s.name}-new-${pod++}`));
            changed.add(index.get(`${s.namespace}/${s.name}`)!);
          }
          kp.now += 2000;
          const st = kp.flush()!;
          assert.equal(st.full, false);
          let rules = counts.partialBase.rules,
            bytes = counts.partialBase.bytes;
          for (const i of changed) {
            rules += counts.perService[1][i];
            bytes += counts.perService[2][i];
          }
          predicted += rules;
          rendered += st.rulesWritten;
          predictedBytes += bytes;
          renderedBytes += st.bytesWritten;
        }
        near("partial syncs' rules over 12 syncs", rendered, predicted);
        if (mode !== "ipvs") near("partial syncs' bytes over 12 syncs", renderedBytes, predictedBytes);
      } finally {
        kp.stop();
        kp.proxier.dispose();
      }
    });
  }
}
