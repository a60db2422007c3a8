// The two waits around the restart: until the load balancer has stopped routing to the host
// (drained), and until it routes to it again (settled). Both are bounded by the plan's numbers and
// end early only on evidence from the load balancer and the host.
import * as c from '../remote/commands.ts';
import type { HostCtx } from './context.ts';
import { poll } from './poll.ts';

export async function waitUntilDrained(ctx: HostCtx): Promise<string> {
  const bound = ctx.plan.drain.waitSeconds;
  const t0 = ctx.clock.now();
  if (!ctx.lb) {
    await ticking(ctx, bound, 'computed bound (the load balancer cannot be asked)');
    ctx.state.drainEndedBy = 'bound';
    ctx.state.drainWaited = true;
    return `waited the computed bound ${bound} s`;
  }
  const lb = ctx.lb;
  const result = await poll({
    clock: ctx.clock,
    signal: ctx.signal,
    timeoutMs: bound * 1000,
    intervalMs: 500,
    maxIntervalMs: 1000,
    check: async () => {
      const state = await targetState(lb);
      const routing = state === 'healthy' || state === 'initial';
      if (routing) return { done: false, observed: state };
      const inflight = Number(
        (await ctx.exec.run(c.countInflight(ctx.config.app.port), { signal: ctx.signal })).stdout.trim(),
      );
      return inflight === 0 ? { done: true } : { done: false, observed: `${state}+${inflight} in flight` };
    },
  });
  ctx.signal.throwIfAborted();
  const seconds = Math.round((ctx.clock.now() - t0) / 100) / 10;
  ctx.state.drainEndedBy = result.state === 'SUCCESS' ? 'confirmed' : 'bound';
  ctx.state.drainWaited = true;
  return result.state === 'SUCCESS'
    ? `drained after ${seconds} s: the load balancer stopped routing and nothing is in flight (bound ${bound} s)`
    : `waited the bound ${bound} s (last seen: ${result.last ?? 'nothing'})`;
}

export async function waitUntilSettled(ctx: HostCtx): Promise<string> {
  const bound = ctx.plan.drain.readmitAfterSeconds + ctx.plan.drain.marginSeconds;
  if (!ctx.lb) {
    await ticking(ctx, bound, 'healthy-threshold window');
    return `waited the healthy-threshold window ${bound} s`;
  }
  const lb = ctx.lb;
  // A new registration has no documented latency bound: allow a generous multiple of the window.
  const limit = Math.max(bound * 4, 60);
  const t0 = ctx.clock.now();
  const result = await poll({
    clock: ctx.clock,
    signal: ctx.signal,
    timeoutMs: limit * 1000,
    intervalMs: 1000,
    maxIntervalMs: 2000,
    check: async () => {
      const state = await targetState(lb);
      return state === 'healthy' ? { done: true } : { done: false, observed: state };
    },
  });
  const seconds = Math.round((ctx.clock.now() - t0) / 100) / 10;
  if (result.state === 'SUCCESS') return `healthy in the target group after ${seconds} s`;
  ctx.signal.throwIfAborted();
  throw new Error(
    `the target never became healthy in the target group within ${limit} s (last: ${result.last ?? 'nothing'})`,
  );
}

async function ticking(ctx: HostCtx, seconds: number, note: string): Promise<void> {
  const end = ctx.clock.now() + seconds * 1000;
  for (;;) {
    const left = end - ctx.clock.now();
    if (left <= 0) return;
    ctx.emit({
      kind: 'wait:tick',
      host: ctx.host.name,
      elapsedSeconds: Math.round(seconds - left / 1000),
      boundSeconds: seconds,
      note,
    });
    await ctx.clock.sleep(Math.min(1000, left), ctx.signal);
  }
}

/** This host's state in the target group, as the load balancer reports it. */
async function targetState(lb: NonNullable<HostCtx['lb']>): Promise<string> {
  const [target] = await lb.port.targetHealth(lb.arn, [
    { id: lb.targetId, ...(lb.targetPort ? { port: lb.targetPort } : {}) },
  ]);
  return target?.state ?? 'unknown';
}
