// kubernetes pkg/proxy/nftables/proxier.go: each sync is one "nft -f" transaction (knftables). Here the
// nftables proxier's transactions go to nft in the node namespace: the first full load (ruleset flushed
// before each sample), one new Service (its chains, rules and map elements), that Service's deletion
// (its elements deleted and chains flushed, then a sync later its chains deleted: both timed as one),
// and the first packet. The table's own base chains hook output and postrouting: nothing to add.
import { Hosts } from "./hosts";
import { Backend, KernelCase, KernelContext, loadUntimed, timedCase } from "./cases";
import { connectCase } from "./datapath";
import { Rulesets } from "./rulesets";
import { inTurn } from "./sampler";

export async function nftCases(ctx: KernelContext, b: Backend, r: Rulesets, hosts: Hosts): Promise<KernelCase[]> {
  const node = hosts.node,
    t = r.nft;
  const load = (text: string) => (limitMs: number) => node.bounded(b.cmd, ["-f", "-"], text, limitMs);
  const must = (text: string) => node.must(b.cmd, ["-f", "-"], text, ctx.setupLimitMs);
  const reset = () => node.must(b.cmd, ["flush", "ruleset"]);

  const first = await timedCase(ctx, b, r, "first-load", t.firstLoad, { before: reset, timed: load(t.firstLoad) });
  const out = [first];
  if (first.over_limit && !(await loadUntimed(ctx, first, reset, load(t.firstLoad)))) return out;
  const undoAdd = async () => {
    await must(t.deleteService);
    await must(t.deleteChains);
  };
  out.push(await timedCase(ctx, b, r, "add-service", t.addService, { timed: load(t.addService), after: undoAdd }));
  out.push(
    await timedCase(ctx, b, r, "delete-service", t.deleteService + t.deleteChains, {
      before: () => must(t.addService),
      timed: (limitMs) => inTurn(load(t.deleteService), load(t.deleteChains), limitMs),
    }),
  );
  out.push(await connectCase(ctx, b, r, hosts));
  return out;
}
