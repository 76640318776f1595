// The map writes the ebpf proxier (src/proxy/ebpf/, after Cilium's service manager) makes for one seeded
// cluster of N Services × E pods (the kernel suite's cluster: same seed, N and E), as `bpftool batch`
// text for the socket-LB program's pinned maps: the first sync (every frontend, slot and backend), one
// new Service, its deletion; and the deletions that empty the maps again after a first load.
import { SvcbenchError } from "../../src/core";
import { EbpfProxier } from "../../src/proxy/ebpf/proxier";
import { ebpfMapMax } from "../../src/proxy/ebpf/map-size";
import { MAPS_DIR } from "../../src/proxy/ebpf/lbmap";
import { KubeProxy } from "../../src/proxy/kube-proxy";
import { buildCluster, newService } from "../sync";

export interface BpfTexts {
  /** max_entries the program's maps are compiled with (--bpf-lb-map-max). */
  mapMax: number;
  firstLoad: string;
  addService: string;
  deleteService: string;
  /** Deletes every entry firstLoad wrote. */
  flush: string;
}

/** Each "map update … key K value V" as "map delete … key K", in the order written. */
export function deletions(text: string): string {
  return (
    text
      .split("\n")
      .filter((l) => l.startsWith("map update "))
      .map((l) => l.replace(/^map update /, "map delete ").replace(/ value hex .*$/, ""))
      .join("\n") + "\n"
  );
}

/** The texts with the maps' folder in place of the proxier's placeholder. */
export function pinnedAt(t: BpfTexts, dir: string): BpfTexts {
  const at = (s: string) => s.split(MAPS_DIR).join(dir);
  return {
    mapMax: t.mapMax,
    firstLoad: at(t.firstLoad),
    addService: at(t.addService),
    deleteService: at(t.deleteService),
    flush: at(t.flush),
  };
}

export function renderBpfTexts(n: number, e: number, seed: number): BpfTexts {
  const c = buildCluster(n, e, seed);
  const mapMax = ebpfMapMax(c.store);
  const proxier = new EbpfProxier({ keepText: true, mapMax });
  const kp = new KubeProxy(c.store, proxier);
  const sync = () => {
    if (!kp.flush()) throw new SvcbenchError("ebpf had nothing to sync");
    return proxier.lastText ?? "";
  };
  try {
    const firstLoad = sync();
    const svc = newService(c, "kernel-new", e);
    svc.addPods();
    svc.addService();
    const addService = sync();
    svc.delete();
    const deleteService = sync();
    return { mapMax, firstLoad, addService, deleteService, flush: deletions(firstLoad) };
  } finally {
    kp.stop();
    proxier.dispose();
    c.controller.stop();
  }
}
