// stop's runs (src/runbook/steps/stop.ts): the old JVM stopped; a swap then records the new live port.
import { check } from '../../executors/types.ts';
import * as c from '../../remote/commands.ts';
import * as sw from '../../remote/swap.ts';
import { next } from '../../strategy/swap-ports.ts';
import type { StepRun, StepRuns } from '../context.ts';

const stop: StepRun = {
  async run(ctx) {
    const pid = ctx.state.oldPid;
    if (!pid) return 'no old JVM to stop';
    // No abort signal: once SIGTERM is sent the stop runs to its end, then undo restarts the release.
    const r = await check(ctx.exec, c.stopJvm(pid, ctx.config.app.stop.graceSeconds));
    ctx.state.oldStoppedAt = ctx.clock.now();
    // A dry run's recorded stop answers nothing: no dangling space then.
    return [`old JVM ${pid}`, r.stdout.trim()].filter(Boolean).join(' ');
  },
};

export const runs: StepRuns = {
  rolling: stop,
  swap: {
    async run(ctx) {
      const detail = await stop.run(ctx);
      const to = next(ctx);
      await check(ctx.exec, sw.writeLivePort(ctx.layout, to));
      ctx.state.livePort = to;
      return `${detail}; live port now ${to}`;
    },
  },
};
