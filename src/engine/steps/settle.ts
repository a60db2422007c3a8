// settle's runs (src/runbook/steps/settle.ts): every node routes to the new JVM (a swap: its port).
import * as c from '../../remote/commands.ts';
import { next, onPort } from '../../strategy/swap-ports.ts';
import type { StepRun, StepRuns } from '../context.ts';
import { waitUntilSettled } from '../waits.ts';

// A JVM can die after it answered healthy; the host counts as deployed only if it still serves.
const settle: StepRun = {
  async run(ctx) {
    const detail = await waitUntilSettled(ctx);
    const { port, health: h } = ctx.config.app;
    const status = (await ctx.exec.run(c.probeHealth(port, h.path))).stdout.trim() || '000';
    if (status === String(h.expectStatus)) return detail;
    const pid = ctx.state.newPid;
    const dead = pid && (await ctx.exec.run(c.jvmAlive(pid))).stdout.trim() === 'dead';
    throw new Error(
      `${h.path} answers ${status} at the end of the settle on ${ctx.host.name}${dead ? `: the new JVM (pid ${pid}) exited after it was healthy` : ''}`,
    );
  },
};

export const runs: StepRuns = {
  rolling: settle,
  swap: { run: (ctx) => settle.run(onPort(ctx, next(ctx))) },
};
