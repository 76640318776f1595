// The userspace proxier's iptables "portals" (kubernetes <= 1.25 pkg/proxy/userspace/proxier.go):
// KUBE-PORTALS-CONTAINER / -HOST redirect a service IP and port to the proxy's local port,
// KUBE-NODEPORT-CONTAINER / -HOST / -NON-LOCAL do the same for a NodePort. Each rule goes in by its
// own iptables call (EnsureRule: "-C", then "-A" when missing; DeleteRule: "-D"); with the legacy
// backend every such write replaces the whole table (IPT_SO_SET_REPLACE), and every check reads it
// and walks the chain. Chains are WebAssembly chains; NodePort rules match any local address, held
// under address 0.
import { MISS, ServiceEntry } from "../../core";
import { WasmBatch } from "../../wasm/batch";
import { WasmChain } from "../../wasm/chain";

const PORTAL_CHAINS = [
  "KUBE-PORTALS-CONTAINER",
  "KUBE-PORTALS-HOST",
  "KUBE-NODEPORT-CONTAINER",
  "KUBE-NODEPORT-HOST",
  "KUBE-NODEPORT-NON-LOCAL",
] as const;
type PortalChain = (typeof PORTAL_CHAINS)[number];

export interface PortalRule {
  readonly chain: PortalChain;
  /** Key: -d addr (0 for NodePorts) -p proto --dport port; target: the proxy port. */
  readonly entry: ServiceEntry;
  /** The iptables arguments, for the bytes a write sends. */
  readonly text: string;
}

interface ChainState {
  readonly rules: PortalRule[];
  readonly wasm: WasmChain;
}

export class PortalTables {
  private readonly chains = new Map<PortalChain, ChainState>();
  private batch = new WasmBatch(1024);
  /** Rules and bytes written since the last take(). */
  private rules = 0;
  private bytes = 0;

  constructor() {
    for (const c of PORTAL_CHAINS) this.chains.set(c, { rules: [], wasm: new WasmChain("simd") });
  }

  /** iptables -A: the chain (and with it the table) written whole. */
  private append(r: PortalRule): void {
    const c = this.chains.get(r.chain)!;
    c.rules.push(r);
    c.wasm.replace(c.rules.map((x) => x.entry));
    this.rules++;
    this.bytes += `iptables -t nat -A ${r.chain} ${r.text}`.length + 1;
  }

  /** iptables -D: found by its spec, then the table written whole. */
  delete(r: PortalRule): void {
    const c = this.chains.get(r.chain)!;
    const i = c.rules.findIndex((x) => x.text === r.text);
    if (i < 0) return;
    c.rules.splice(i, 1);
    c.wasm.replace(c.rules.map((x) => x.entry));
    this.rules++;
    this.bytes += `iptables -t nat -D ${r.chain} ${r.text}`.length + 1;
  }

  /** EnsureRule for each rule: a check (a walk of its chain), then an append when it is missing. */
  ensure(rules: readonly PortalRule[]): void {
    const byChain = new Map<PortalChain, PortalRule[]>();
    for (const r of rules) {
      let l = byChain.get(r.chain);
      if (!l) byChain.set(r.chain, (l = []));
      l.push(r);
    }
    for (const [chain, list] of byChain) {
      const c = this.chains.get(chain)!;
      if (this.batch.capacity < list.length) {
        this.batch.dispose();
        this.batch = new WasmBatch(Math.max(list.length, this.batch.capacity * 2));
      }
      const b = this.batch;
      list.forEach((r, k) => {
        b.daddr[k] = r.entry.addr;
        b.dport[k] = r.entry.port;
        b.proto[k] = r.entry.proto;
      });
      c.wasm.lookup(b, 0, list.length);
      const missing = list.filter((r, k) => b.out[k] !== r.entry.target);
      for (const r of missing) this.append(r);
    }
  }

  /** The proxy port a packet is redirected to: service IP portals first, then NodePorts on local addresses. */
  lookup(daddr: number, dport: number, proto: number, local: boolean): number | undefined {
    const b = this.batch;
    b.daddr[0] = daddr;
    b.dport[0] = dport;
    b.proto[0] = proto;
    this.chains.get("KUBE-PORTALS-CONTAINER")!.wasm.lookup(b, 0, 1);
    if (b.out[0] !== MISS) return b.out[0];
    if (!local) return undefined;
    b.daddr[0] = 0;
    this.chains.get("KUBE-NODEPORT-CONTAINER")!.wasm.lookup(b, 0, 1);
    return b.out[0] === MISS ? undefined : b.out[0];
  }

  /** Rules and bytes written since the last call. */
  take(): { rules: number; bytes: number } {
    const t = { rules: this.rules, bytes: this.bytes };
    this.rules = 0;
    this.bytes = 0;
    return t;
  }

  ruleCount(chain: PortalChain): number {
    return this.chains.get(chain)!.rules.length;
  }

  dispose(): void {
    for (const c of this.chains.values()) c.wasm.dispose();
    this.batch.dispose();
  }
}
