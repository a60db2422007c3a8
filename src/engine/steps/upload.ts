// upload's runs (src/runbook/steps/upload.ts): the same in both runbooks.
import { check } from '../../executors/types.ts';
import * as c from '../../remote/commands.ts';
import type { StepRun, StepRuns } from '../context.ts';

const upload: StepRun = {
  async run(ctx) {
    const dir = ctx.layout.release(ctx.releaseId);
    await check(ctx.exec, c.createRelease(ctx.layout, ctx.releaseId), { signal: ctx.signal });
    return `${await ctx.upload(ctx.exec, dir, ctx.signal)} -> ${dir}`;
  },
  // Never while `current` may point at it or a JVM of it may run (a failed undo before this one).
  async undo(ctx) {
    if (ctx.state.switched || ctx.state.newPid) return;
    await check(ctx.exec, c.removeRelease(ctx.layout, ctx.releaseId));
  },
};

export const runs: StepRuns = { rolling: upload, swap: upload };
