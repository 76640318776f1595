// kubernetes pkg/proxy/iptables/proxier.go: every sync hands its text to iptables-restore with
// NoFlushTables and RestoreCounters ("iptables-restore -w 5 --noflush --counters"); the jump rules from
// the built-in chains are ensured outside that text. Here the same texts go to iptables-legacy-restore
// or iptables-nft-restore in the node namespace: first load (tables emptied before each sample),
// partial resync, a new Service (deleted again after each sample, untimed), the first packet, full resync.
import { Hosts } from "./hosts";
import { Backend, KernelCase, KernelContext, loadUntimed, timedCase } from "./cases";
import { connectCase } from "./datapath";
import { IPTABLES_JUMPS, Rulesets } from "./rulesets";

const RESTORE_ARGS = ["-w", "5", "--noflush", "--counters"];
/** Without --noflush: every chain of both tables flushed and every user chain deleted. */
const EMPTY_TABLES = "*filter\nCOMMIT\n*nat\nCOMMIT\n";

export async function iptablesCases(ctx: KernelContext, b: Backend, r: Rulesets, hosts: Hosts): Promise<KernelCase[]> {
  const node = hosts.node,
    t = r.iptables;
  const restore = (text: string) => (limitMs: number) => node.bounded(b.cmd, RESTORE_ARGS, text, limitMs);
  const must = (text: string) => node.must(b.cmd, RESTORE_ARGS, text, ctx.setupLimitMs);
  const reset = () => node.must(b.cmd, ["-w", "5"], EMPTY_TABLES);

  const first = await timedCase(ctx, b, r, "first-load", t.firstLoad, { before: reset, timed: restore(t.firstLoad) });
  const out = [first];
  if (first.over_limit && !(await loadUntimed(ctx, first, reset, restore(t.firstLoad)))) return out;
  out.push(await timedCase(ctx, b, r, "partial-resync", t.partialResync, { timed: restore(t.partialResync) }));
  out.push(
    await timedCase(ctx, b, r, "add-service", t.addService, {
      timed: restore(t.addService),
      after: () => must(t.deleteService),
    }),
  );
  await must(IPTABLES_JUMPS);
  out.push(await connectCase(ctx, b, r, hosts));
  // Last: a full resync over the limit leaves nothing after it to spoil.
  out.push(await timedCase(ctx, b, r, "full-resync", t.fullResync, { timed: restore(t.fullResync) }));
  return out;
}
