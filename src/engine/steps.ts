// The runbook, one step per function (docs/contracts.md, section 1). Each step returns a one-line detail
// for the report; undo restores what it changed.
import { CommandError, check } from '../executors/types.ts';
import * as c from '../remote/commands.ts';
import type { HostCtx, Step } from './context.ts';
import { run } from './context.ts';
import { waitForHealthy } from './health.ts';
import { restoreService } from './restore.ts';
import { waitUntilDrained, waitUntilSettled } from './waits.ts';

const mark = (ctx: HostCtx, key: 'step' | 'old.pid' | 'new.pid', value: string) =>
  ctx.exec.run(c.mark(ctx.layout, key, value), { signal: ctx.signal });

export const preflight: Step = {
  name: 'preflight',
  async run(ctx) {
    await check(ctx.exec, c.prepare(ctx.layout), { signal: ctx.signal });
    const state = parseKv((await check(ctx.exec, c.readState(ctx.layout), { signal: ctx.signal })).stdout);
    ctx.state.previousRelease = state.current || undefined;
    const found = (
      await check(ctx.exec, c.findJvm(ctx.layout, ctx.config.app.port), { signal: ctx.signal })
    ).stdout.trim();
    const [how, pid] = found.split(' ');
    if (pid && (how === 'pidfile' || how === 'port')) {
      ctx.state.oldPid = Number(pid);
      ctx.state.oldFoundBy = how;
      await mark(ctx, 'old.pid', pid);
      if (ctx.state.previousRelease)
        await check(ctx.exec, c.recordStart(ctx.layout, ctx.state.previousRelease, Number(pid)), {
          signal: ctx.signal,
        });
    }
    if (!ctx.allowDowntime) await requireAnotherHealthyTarget(ctx);
    const old = ctx.state.oldPid
      ? `old JVM ${ctx.state.oldPid} (found by ${ctx.state.oldFoundBy})`
      : 'no old JVM running';
    return `${old}; current release ${ctx.state.previousRelease ?? 'none'}`;
  },
};

async function requireAnotherHealthyTarget(ctx: HostCtx): Promise<void> {
  if (ctx.lb) {
    const states = await ctx.lb.port.targetHealth(ctx.lb.arn);
    if (states.some((s) => s.id !== ctx.lb?.targetId && s.state === 'healthy')) return;
    throw new PreflightError(
      `no other healthy target in the target group: draining ${ctx.host.name} would take the app down`,
    );
  }
  const { path, expectStatus } = ctx.config.app.health;
  for (const other of ctx.others) {
    const r = await other.exec.run(c.probeHealth(ctx.config.app.port, path), { signal: ctx.signal });
    if (r.stdout.trim() === String(expectStatus)) return;
  }
  throw new PreflightError(
    ctx.others.length === 0
      ? `${ctx.host.name} is the only target: draining it is downtime (an ALB even fails open, so a health flip does nothing)`
      : `no other host answers ${path} with ${expectStatus}: draining ${ctx.host.name} would take the app down`,
  );
}

export class PreflightError extends Error {
  constructor(message: string) {
    super(`${message}. Fix the other targets, or pass --allow-downtime to accept the outage.`);
    this.name = 'PreflightError';
  }
}

export const upload: Step = {
  name: 'upload',
  async run(ctx) {
    const dir = ctx.layout.release(ctx.releaseId);
    await check(ctx.exec, c.createRelease(ctx.layout, ctx.releaseId), { signal: ctx.signal });
    return `${await ctx.upload(ctx.exec, dir, ctx.signal)} -> ${dir}`;
  },
  async undo(ctx) {
    if (!ctx.state.switched) await ctx.exec.run(c.removeRelease(ctx.layout, ctx.releaseId));
  },
};

export const drain: Step = {
  name: 'drain',
  async run(ctx) {
    if (ctx.config.drain.mode === 'deregister') {
      if (!ctx.lb) throw new Error('deregister mode needs the load balancer');
      await ctx.lb.port.deregister(ctx.lb.arn, {
        id: ctx.lb.targetId,
        ...(ctx.lb.targetPort ? { port: ctx.lb.targetPort } : {}),
      });
      ctx.state.drained = true;
      return `DeregisterTargets ${ctx.lb.targetId}`;
    }
    ctx.state.drained = true;
    const r = await run(ctx, 'drain', c.postDrain(ctx.config.app.port, ctx.config.drain.path));
    const code = r.stdout.trim();
    if (!/^2\d\d$/.test(code))
      throw new CommandError(ctx.host.name, c.postDrain(ctx.config.app.port, ctx.config.drain.path), {
        ...r,
        code: 1,
        stderr: `POST ${ctx.config.drain.path} answered ${code || 'nothing'}`,
      });
    return `POST ${ctx.config.drain.path} -> ${code}; /health now fails`;
  },
  // Restores service: with termination the old JVM can only be reset by a restart.
  async undo(ctx) {
    await restoreService(ctx);
  },
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
    return `old JVM ${pid} ${r.stdout.trim()}`;
  },
};

export const build: Step = {
  name: 'build',
  async run(ctx) {
    const cmd = c.runBuild(ctx.layout, ctx.releaseId, ctx.config.app.build.command);
    const r = await run(ctx, 'build', cmd);
    if (r.code !== 0) throw new CommandError(ctx.host.name, cmd, r);
    ctx.state.built = true;
    return `${ctx.config.app.build.command} in ${Math.round(r.ms / 100) / 10} s`;
  },
  async undo(ctx) {
    await ctx.exec.run(c.killBuild(ctx.layout));
  },
};

export const start: Step = {
  name: 'start',
  async run(ctx) {
    await check(ctx.exec, c.switchCurrent(ctx.layout, ctx.releaseId), { signal: ctx.signal });
    ctx.state.switched = true;
    const r = await check(
      ctx.exec,
      c.startJvm(ctx.layout, ctx.releaseId, ctx.config.app.start.command, ctx.config.app.start.env, {
        reuseRecorded: ctx.rollback === true,
      }),
      {
        signal: ctx.signal,
      },
    );
    ctx.state.newPid = Number(r.stdout.trim().split('\n').at(-1));
    await mark(ctx, 'new.pid', String(ctx.state.newPid));
    return `new JVM ${ctx.state.newPid} from release ${ctx.releaseId}`;
  },
  async undo(ctx) {
    if (ctx.state.newPid)
      await ctx.exec.run(c.stopJvm(ctx.state.newPid, Math.min(10, ctx.config.app.stop.graceSeconds)));
    if (ctx.state.switched && ctx.state.previousRelease)
      await ctx.exec.run(c.switchCurrent(ctx.layout, ctx.state.previousRelease));
    ctx.state.switched = false;
    ctx.state.newPid = undefined;
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

export const admit: Step = {
  name: 'admit',
  async run(ctx) {
    if (ctx.config.drain.mode === 'deregister' && ctx.lb) {
      await ctx.lb.port.register(ctx.lb.arn, {
        id: ctx.lb.targetId,
        ...(ctx.lb.targetPort ? { port: ctx.lb.targetPort } : {}),
      });
      return `RegisterTargets ${ctx.lb.targetId}`;
    }
    return `the new JVM answers ${ctx.config.app.health.path} ${ctx.config.app.health.expectStatus}`;
  },
};

export const settle: Step = {
  name: 'settle',
  run: (ctx) => waitUntilSettled(ctx),
};

/** The memory-safe order, or the old one for comparison (docs/contracts.md, section 1). */
export function stepsFor(
  strategy: 'stop-first' | 'build-first',
  buildWhere: 'host' | 'local' = 'host',
): Step[] {
  // A local build happened before the first host: no build step, and nothing to order around it.
  if (buildWhere === 'local') return [preflight, upload, drain, wait, stop, start, health, admit, settle];
  return strategy === 'stop-first'
    ? [preflight, upload, drain, wait, stop, build, start, health, admit, settle]
    : [preflight, upload, build, drain, wait, stop, start, health, admit, settle];
}

function parseKv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
