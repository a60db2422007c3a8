// drain's runs (src/runbook/steps/drain.ts). Both undos are the restore (their failure is exit 4).
import { drainMode } from '../../drain/registry.ts';
import * as c from '../../remote/commands.ts';
import { live, onPort } from '../../strategy/swap-ports.ts';
import type { StepRuns } from '../context.ts';
import { closeMaintenance, openMaintenance } from '../maintenance.ts';
import { restoreService, startPrevious } from '../restore.ts';

export const runs: StepRuns = {
  // The only target with --allow-downtime and a listener: the maintenance rule is the drain.
  rolling: {
    run: (ctx) => (ctx.state.maintenance ? openMaintenance(ctx) : drainMode(ctx.config.drain).drain(ctx)),
    // Restores service: after a health flip the old JVM can only be reset by a restart. The
    // maintenance rule goes whatever the restore did: left in place it would answer 503 for good.
    async undo(ctx) {
      try {
        await restoreService(ctx);
      } finally {
        await closeMaintenance(ctx);
      }
    },
    restores: true,
  },
  // The old port out. Undo is the swap's restore: the old port back in the group, and if the old
  // JVM no longer answers there (a failure in stop after its SIGTERM), the previous release started
  // on it first; only then do the undos of admit and start take the new port and JVM away.
  swap: {
    async run(ctx) {
      const o = onPort(ctx, live(ctx));
      if (!o.lb) throw new Error("strategy 'swap' needs the load balancer");
      // Before the call: an answer lost on the way back must still be undone (registering is idempotent).
      ctx.state.drained = true;
      await o.lb.port.deregister(o.lb.arn, { id: o.lb.targetId, port: live(ctx) });
      return `DeregisterTargets ${o.lb.targetId}:${live(ctx)}`;
    },
    async undo(ctx) {
      const o = onPort(ctx, live(ctx));
      if (!o.lb || !ctx.state.drained) return;
      const { port, health: h } = o.config.app;
      const probe = (await ctx.exec.run(c.probeHealth(port, h.path))).stdout.trim();
      if (probe !== String(h.expectStatus)) ctx.state.oldPid = await startPrevious(o);
      await o.lb.port.register(o.lb.arn, { id: o.lb.targetId, port: live(ctx) });
    },
    restores: true,
  },
};
