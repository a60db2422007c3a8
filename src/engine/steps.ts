// The runbook, one step per function (docs/contracts.md, section 1). Each step returns a one-line
// detail for the report; undo restores what it changed (docs/failures.md, "Undo").
import { drainMode } from '../drain/registry.ts';
import { CommandError, check } from '../executors/types.ts';
import * as c from '../remote/commands.ts';
import type { StepName } from '../runbook/sequence.ts';
import type { Step } from './context.ts';
import { run } from './context.ts';
import { waitForHealthy } from './health.ts';
import { hookStep } from './hook-steps.ts';
import { markBestEffort } from './host.ts';
import { closeMaintenance, openMaintenance } from './maintenance.ts';
import { PreflightError, preflight } from './preflight.ts';
import { restoreService, stopNewJvm, switchBack } from './restore.ts';
import { waitUntilDrained, waitUntilSettled } from './waits.ts';

export { PreflightError, preflight };

export const upload: Step = {
  name: 'upload',
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

// The only target with --allow-downtime and a listener: the maintenance rule is the drain.
export const drain: Step = {
  name: 'drain',
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
};

export const wait: Step = {
  name: 'wait',
  run: (ctx) => waitUntilDrained(ctx),
};

export const stop: Step = {
  name: 'stop',
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

export const build: Step = {
  name: 'build',
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

// The switch and the start run to their end even when interrupted, and what they did is recorded
// before the interrupt is honoured: a cut-off answer would leave a JVM nobody knows about, or
// `current` pointing at a release the undo then deletes.
export const start: Step = {
  name: 'start',
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

export const health: Step = {
  name: 'health',
  async run(ctx) {
    const detail = await waitForHealthy(ctx, ctx.state.newPid, ctx.signal);
    ctx.state.healthy = true;
    return detail;
  },
};

// Behind the maintenance rule the target never left the group: removing the rule gives it traffic.
export const admit: Step = {
  name: 'admit',
  async run(ctx) {
    if (!ctx.state.maintenance) return drainMode(ctx.config.drain).admit(ctx);
    return `${await closeMaintenance(ctx)}: requests reach the new JVM again`;
  },
};

// A JVM can die after it answered healthy; the host counts as deployed only if it still serves.
export const settle: Step = {
  name: 'settle',
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

/**
 * The rolling runbook: every step's run and undo, by the name the runbook gives it
 * (src/runbook/sequence.ts orders them; src/runbook/failure.ts says which undos run after a
 * failure; src/engine/runbooks.ts maps a strategy to this table or the swap's).
 */
export const STEPS: Record<StepName, Step> = {
  preflight,
  upload,
  drain,
  wait,
  stop,
  build,
  start,
  health,
  admit,
  settle,
  beforeDrain: hookStep('beforeDrain', false),
  afterStart: hookStep('afterStart', true),
  afterHealthy: hookStep('afterHealthy', true),
  afterDeploy: hookStep('afterDeploy', true),
};
