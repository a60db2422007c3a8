// health's runs (src/runbook/steps/health.ts): the new JVM healthy on loopback (a swap: its port).
import { next, onPort } from '../../strategy/swap-ports.ts';
import type { StepRun, StepRuns } from '../context.ts';
import { waitForHealthy } from '../health.ts';
import { withdrawNewJvm } from '../withdraw.ts';

const health: StepRun = {
  async run(ctx) {
    const detail = await waitForHealthy(ctx, ctx.state.newPid, ctx.signal);
    ctx.state.healthy = true;
    return detail;
  },
};

export const runs: StepRuns = {
  // Once healthy the new JVM may serve: out of service before start's undo stops it.
  rolling: { ...health, undo: withdrawNewJvm },
  swap: { run: (ctx) => health.run(onPort(ctx, next(ctx))) },
};
