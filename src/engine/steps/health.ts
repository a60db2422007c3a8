// health's runs (src/runbook/steps/health.ts): the new JVM healthy on loopback (a swap: its port).
import { next, onPort } from '../../strategy/swap-ports.ts';
import type { StepRun, StepRuns } from '../context.ts';
import { waitForHealthy } from '../health.ts';

const health: StepRun = {
  async run(ctx) {
    const detail = await waitForHealthy(ctx, ctx.state.newPid, ctx.signal);
    ctx.state.healthy = true;
    return detail;
  },
};

export const runs: StepRuns = {
  rolling: health,
  swap: { run: (ctx) => health.run(onPort(ctx, next(ctx))) },
};
