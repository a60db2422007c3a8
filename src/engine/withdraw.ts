// Taking a new JVM that may serve out of service before start's undo stops it (docs/failures.md,
// "Undo"): once it answers /health the nodes' checks may pass (a health flip), once admitted it is
// registered (deregister), once admit removed the maintenance rule requests reach it. The undo of
// `health` (every deploy) and of `afterStart` (a hook before health) does it; a swap's admit undo
// drains the new port instead.
import { drainMode } from '../drain/registry.ts';
import type { HostCtx } from './context.ts';
import { reopenMaintenance } from './maintenance.ts';
import { waitUntilDrained } from './waits.ts';

/**
 * The new JVM out of service and drained; the only target behind the maintenance rule is withdrawn
 * by putting the rule up again. Nothing when it cannot serve yet (each mode's `withdraw` checks),
 * so a second call after the first is a no-op.
 */
export async function withdrawNewJvm(ctx: HostCtx): Promise<void> {
  const out = ctx.state.maintenance
    ? await reopenMaintenance(ctx)
    : await drainMode(ctx.config.drain).withdraw(ctx);
  if (out) await waitUntilDrained(ctx);
}
