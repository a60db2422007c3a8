// admit's runs (src/runbook/steps/admit.ts): traffic to the new JVM; a swap's undo takes its port
// out again.
import { drainMode } from '../../drain/registry.ts';
import { live, next, nodesOn, onPort } from '../../strategy/swap-ports.ts';
import type { StepRun, StepRuns } from '../context.ts';
import { closeMaintenance } from '../maintenance.ts';
import { waitUntilDrained } from '../waits.ts';

// Behind the maintenance rule the target never left the group: removing the rule gives it traffic.
const admit: StepRun = {
  async run(ctx) {
    if (!ctx.state.maintenance) return drainMode(ctx.config.drain).admit(ctx);
    return `${await closeMaintenance(ctx)}: requests reach the new JVM again`;
  },
};

export const runs: StepRuns = {
  rolling: admit,
  // Undo: out of the group again, and only once no node sends it requests is the new JVM stopped.
  swap: {
    async run(ctx) {
      ctx.state.lbNodes = await nodesOn(onPort(ctx, live(ctx)));
      return `${await admit.run(onPort(ctx, next(ctx)))} port ${next(ctx)}`;
    },
    async undo(ctx) {
      const n = onPort(ctx, next(ctx));
      if (!n.lb) return;
      await n.lb.port.deregister(n.lb.arn, { id: n.lb.targetId, port: next(ctx) });
      await waitUntilDrained(n);
    },
  },
};
