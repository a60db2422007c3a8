// build's runs (src/runbook/steps/build.ts): the same in both runbooks.
import { CommandError } from '../../executors/types.ts';
import * as c from '../../remote/commands.ts';
import { run, type StepRun, type StepRuns } from '../context.ts';

const build: StepRun = {
  async run(ctx) {
    const cmd = c.runBuild(ctx.layout, ctx.releaseId, ctx.config.app.build.command);
    const r = await run(ctx, 'build', cmd);
    if (r.code !== 0) throw new CommandError(ctx.host.name, cmd, r);
    return `${ctx.config.app.build.command} in ${Math.round(r.ms / 100) / 10} s`;
  },
  async undo(ctx) {
    await ctx.exec.run(c.killBuild(ctx.layout));
  },
};

export const runs: StepRuns = { rolling: build, swap: build };
