// start's runs (src/runbook/steps/start.ts): the new JVM (a swap: on the other port), and the undo
// that stops it and points `current` back.
import { check } from '../../executors/types.ts';
import * as c from '../../remote/commands.ts';
import * as sw from '../../remote/swap.ts';
import { next, onPort } from '../../strategy/swap-ports.ts';
import type { StepRun, StepRuns } from '../context.ts';
import { markBestEffort } from '../host.ts';
import { stopNewJvm, switchBack } from '../restore.ts';

// The switch and the start run to their end even when interrupted, and what they did is recorded
// before the interrupt is honoured: a cut-off answer would leave a JVM nobody knows about, or
// `current` pointing at a release the undo then deletes.
const start: StepRun = {
  async run(ctx) {
    ctx.state.switched = true;
    await check(ctx.exec, c.switchCurrent(ctx.layout, ctx.releaseId));
    ctx.state.startSent = true;
    const r = await check(
      ctx.exec,
      c.startJvm(ctx.layout, ctx.releaseId, ctx.config.app.start.command, ctx.config.app.start.env, {
        reuseRecorded: ctx.rollback === true,
      }),
    );
    ctx.state.newPid = Number(r.stdout.trim().split('\n').at(-1));
    ctx.state.startedPid = ctx.state.newPid;
    await markBestEffort(ctx, 'new.pid', String(ctx.state.newPid));
    return `new JVM ${ctx.state.newPid} from release ${ctx.releaseId}`;
  },
  async undo(ctx) {
    await stopNewJvm(ctx);
    await switchBack(ctx);
  },
};

export const runs: StepRuns = {
  rolling: start,
  // The new JVM on the other port; undo stops it, points `current` back, and names the old JVM in
  // the PID file again (it never stopped serving).
  swap: {
    run: (ctx) => start.run(onPort(ctx, next(ctx))),
    async undo(ctx) {
      await stopNewJvm(ctx);
      await switchBack(ctx);
      if (ctx.state.oldPid) await ctx.exec.run(sw.writePidFile(ctx.layout, ctx.state.oldPid));
    },
  },
};
