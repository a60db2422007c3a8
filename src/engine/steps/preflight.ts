// preflight's runs (src/runbook/steps/preflight.ts): the rolling one (../preflight.ts), and a
// swap's, which first reads the live port and refuses what a port swap cannot do.
import { check } from '../../executors/types.ts';
import * as sw from '../../remote/swap.ts';
import { live, next, onPort, pair } from '../../strategy/swap-ports.ts';
import { swapProblems } from '../../strategy/swap-preflight.ts';
import type { StepRuns } from '../context.ts';
import { PreflightError, preflight } from '../preflight.ts';

export const runs: StepRuns = {
  rolling: preflight,
  swap: {
    async run(ctx) {
      const text = (await check(ctx.exec, sw.readLivePort(ctx.layout), { signal: ctx.signal })).stdout;
      ctx.state.livePort = sw.parseLivePort(text, ctx.config.app.port);
      // The only target keeps serving throughout: the single-target refusal (and the maintenance
      // rule that goes with downtime) is not for a swap.
      const { maintenance: _none, ...o } = onPort(ctx, live(ctx));
      const detail = await preflight.run({ ...o, allowDowntime: true });
      const listeners = sw.parseListeners(
        (await check(ctx.exec, sw.portListeners(pair(ctx)), { signal: ctx.signal })).stdout,
      );
      const tg = ctx.lb ? await ctx.lb.port.describeTargetGroup(ctx.lb.arn) : undefined;
      const problems = swapProblems({
        targetType: tg?.targetType ?? 'instance',
        healthCheckPort: tg?.healthCheckPort ?? 'traffic-port',
        ports: pair(ctx),
        livePort: live(ctx),
        listeners,
        appPids: ctx.state.oldPid ? [ctx.state.oldPid] : [],
      });
      if (problems.length > 0)
        throw new PreflightError(
          `${ctx.host.name}: a port swap cannot start: ${problems.map((p) => p.message).join('; ')}`,
          `Fix: ${problems.map((p) => p.fix).join('; ')}.`,
        );
      return `${detail}; live port ${live(ctx)}, new JVM on ${next(ctx)}`;
    },
  },
};
