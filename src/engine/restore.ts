// Puts the previous release back in service on one host: the invariant every failure path ends in.
// It does not rely on the undo steps before it: a new JVM they failed to stop is stopped here, and
// `current` is pointed back here, so a failed undo step never leaves the restore half done.
import { drainMode } from '../drain/registry.ts';
import { check } from '../executors/types.ts';
import * as c from '../remote/commands.ts';
import type { HostCtx } from './context.ts';
import { waitForHealthy } from './health.ts';
import { markBestEffort } from './host.ts';
import { waitUntilDrained } from './waits.ts';

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

export async function restoreService(ctx: HostCtx): Promise<void> {
  const { port, health } = ctx.config.app;
  await stopNewJvm(ctx);
  await switchBack(ctx);
  const probe = await ctx.exec.run(c.probeHealth(port, health.path));
  const alive = ctx.state.oldPid
    ? (await ctx.exec.run(c.jvmAlive(ctx.state.oldPid))).stdout.trim() === 'alive'
    : false;
  // Whatever answers healthy on the port serves: a drained JVM (termination) answers 502 for good,
  // and an interrupted POST may never have landed. Only what does not answer is restarted.
  if (probe.stdout.trim() === String(health.expectStatus)) return readmit(ctx);
  if (alive && ctx.state.oldPid) {
    // Interrupted between drain and stop: the load balancer may still route to the old JVM, so
    // stopping it now would fail those requests. Wait the drain out first, as a deploy would.
    if (ctx.state.drained && !ctx.state.drainWaited) await waitUntilDrained(ctx);
    await check(ctx.exec, c.stopJvm(ctx.state.oldPid, ctx.config.app.stop.graceSeconds));
  }
  await startPrevious(ctx);
  await readmit(ctx);
}

/**
 * The previous release started as it last ran (its recorded start) and healthy; returns its PID.
 */
export async function startPrevious(ctx: HostCtx): Promise<number> {
  const release = ctx.state.previousRelease;
  if (!release)
    throw new RestoreError(
      `${ctx.host.name} has no previous release to start (no ${ctx.layout.current} symlink): start the app by hand`,
    );
  // reuseRecorded: the release restarts with the command and env it last ran with.
  const { command, env } = ctx.config.app.start;
  const r = await ctx.exec.run(c.startJvm(ctx.layout, release, command, env, { reuseRecorded: true }));
  if (r.code !== 0)
    throw new RestoreError(`could not start release ${release} on ${ctx.host.name}: ${r.stderr.trim()}`);
  const pid = Number(r.stdout.trim().split('\n').at(-1));
  await markBestEffort(ctx, 'new.pid', String(pid));
  try {
    await waitForHealthy({ ...ctx, releaseId: release }, pid, undefined);
  } catch (error) {
    throw new RestoreError(
      `release ${release} did not come back on ${ctx.host.name}: ${(error as Error).message}`,
    );
  }
  return pid;
}

/** Stops the JVM this deploy started, found by its release if its PID never came back. */
export async function stopNewJvm(ctx: HostCtx): Promise<void> {
  if (!ctx.state.newPid && ctx.state.startSent) {
    const pid = (await check(ctx.exec, c.findStarted(ctx.layout, ctx.releaseId))).stdout.trim();
    if (pid) ctx.state.newPid = Number(pid);
  }
  if (ctx.state.newPid)
    await check(ctx.exec, c.stopJvm(ctx.state.newPid, Math.min(10, ctx.config.app.stop.graceSeconds)));
  ctx.state.newPid = undefined;
  ctx.state.startSent = false;
}

/** `current` back to the previous release (or gone, on a first deploy). */
export async function switchBack(ctx: HostCtx): Promise<void> {
  if (!ctx.state.switched) return;
  const prev = ctx.state.previousRelease;
  await check(
    ctx.exec,
    prev ? c.switchCurrent(ctx.layout, prev) : c.unlinkCurrent(ctx.layout, ctx.releaseId),
  );
  ctx.state.switched = false;
}

/**
 * Traffic back to the host, the way its drain mode gives it (src/drain/modes/); behind the
 * maintenance rule the target never left, and the rule's removal is the drain undo's.
 */
const readmit = async (ctx: HostCtx) => {
  if (!ctx.state.maintenance) await drainMode(ctx.config.drain).readmit(ctx);
};
