// Preflight: what must hold before a host is touched. The old JVM is found (a PID file is trusted
// only if its process is the app), an app started by hand is adopted so a restore can start it,
// another target must be healthy, and the previous release's start is recorded. Every refusal here
// changed nothing (exit 2). Contract: docs/failures.md.
import { check } from '../executors/types.ts';
import * as c from '../remote/commands.ts';
import type { HostCtx, Step } from './context.ts';
import { markBestEffort } from './host.ts';

export const preflight: Step = {
  name: 'preflight',
  async run(ctx) {
    await check(ctx.exec, c.prepare(ctx.layout), { signal: ctx.signal });
    const state = parseKv((await check(ctx.exec, c.readState(ctx.layout), { signal: ctx.signal })).stdout);
    ctx.state.previousRelease = state.current || undefined;
    const found = await findOldJvm(ctx);
    const alone = await noOtherTarget(ctx);
    if (alone && !ctx.allowDowntime) throw new PreflightError(alone);
    // Downtime accepted: with a listener configured, the window answers 503 instead of failing.
    if (alone && ctx.maintenance) ctx.state.maintenance = { sent: false };
    const pid = ctx.state.oldPid;
    if (pid && ctx.state.previousRelease)
      await check(ctx.exec, c.recordStart(ctx.layout, ctx.state.previousRelease, pid), {
        signal: ctx.signal,
      });
    else if (pid) await adopt(ctx, pid);
    const old = pid ? `old JVM ${pid} (found by ${ctx.state.oldFoundBy})` : 'no old JVM running';
    const adopted = ctx.state.adopted ? ` (adopted: started by hand, recorded from /proc/${pid})` : '';
    const behind = ctx.state.maintenance ? '; no other target: drained behind the maintenance rule' : '';
    return `${old}; current release ${ctx.state.previousRelease ?? 'none'}${adopted}${found.stale ? `; ${found.stale}` : ''}${behind}`;
  },
};

async function findOldJvm(ctx: HostCtx): Promise<{ stale?: string }> {
  const lines = (
    await check(ctx.exec, c.findJvm(ctx.layout, ctx.config.app.port), { signal: ctx.signal })
  ).stdout
    .trim()
    .split('\n');
  const [how, pid] = (lines[0] ?? '').split(' ');
  if (pid && (how === 'pidfile' || how === 'port')) {
    ctx.state.oldPid = Number(pid);
    ctx.state.oldFoundBy = how;
    await markBestEffort(ctx, 'old.pid', pid);
  }
  const stale = lines.find((x) => x.startsWith('stale '))?.split(' ');
  if (!stale) return {};
  return {
    stale: `${ctx.layout.pidFile} named pid ${stale[1]} (${stale.slice(2).join(' ') || '?'}), which is not the app: ignored, never stopped`,
  };
}

// First deploy onto an app started by hand: no `current`, so nothing a restore could start. Its
// command line, directory and environment are recorded (from /proc) into a release of its own,
// which a restore starts like any other; if they cannot be read, nothing is touched.
async function adopt(ctx: HostCtx, pid: number): Promise<void> {
  const id = `${ctx.releaseId}-adopted`;
  await check(ctx.exec, c.createRelease(ctx.layout, id), { signal: ctx.signal });
  const r = await ctx.exec.run(c.recordStart(ctx.layout, id, pid), { signal: ctx.signal });
  if (r.code !== 0 || r.stdout.trim() !== 'recorded') {
    await ctx.exec.run(c.removeRelease(ctx.layout, id));
    throw new PreflightError(
      `${ctx.host.name}: the app on port ${ctx.config.app.port} (pid ${pid}) was started by hand and there is no ${ctx.layout.current} to restart if the deploy fails; its command line could not be read from /proc/${pid} (${(r.stderr || r.stdout).trim() || 'unreadable'})`,
      'Deploy as the user that runs the app (or root), or start the app once through handoff.',
    );
  }
  ctx.state.previousRelease = id;
  ctx.state.adopted = true;
}

/** Why draining this host is downtime (no other target serves), or undefined when another does. */
async function noOtherTarget(ctx: HostCtx): Promise<string | undefined> {
  // Downtime accepted and nothing to do about it: the guard's look is not needed.
  if (ctx.allowDowntime && !ctx.maintenance) return undefined;
  if (ctx.lb) {
    const states = await ctx.lb.port.targetHealth(ctx.lb.arn);
    if (states.some((s) => s.id !== ctx.lb?.targetId && s.state === 'healthy')) return undefined;
    return `no other healthy target in the target group: draining ${ctx.host.name} would take the app down`;
  }
  const { path, expectStatus } = ctx.config.app.health;
  for (const other of ctx.others) {
    const r = await other.exec.run(c.probeHealth(ctx.config.app.port, path), { signal: ctx.signal });
    if (r.stdout.trim() === String(expectStatus)) return undefined;
  }
  return ctx.others.length === 0
    ? `${ctx.host.name} is the only target: draining it is downtime (an ALB even fails open, so a health flip does nothing)`
    : `no other host answers ${path} with ${expectStatus}: draining ${ctx.host.name} would take the app down`;
}

export class PreflightError extends Error {
  constructor(
    message: string,
    fix = 'Fix the other targets, or pass --allow-downtime to accept the outage.',
  ) {
    super(`${message}. ${fix}`);
    this.name = 'PreflightError';
  }
}

function parseKv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
