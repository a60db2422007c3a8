// Polls the app's own health endpoint on the host's loopback until it answers as expected, with
// backoff, a deadline, and an early failure when the process has died.
import * as c from '../remote/commands.ts';
import type { HostCtx } from './context.ts';
import { describeObserved, poll } from './poll.ts';

export class HealthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HealthError';
  }
}

export async function waitForHealthy(
  ctx: HostCtx,
  pid: number | undefined,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { port, health } = ctx.config.app;
  const t0 = ctx.clock.now();
  const result = await poll({
    clock: ctx.clock,
    ...(signal ? { signal } : {}),
    timeoutMs: health.timeoutSeconds * 1000,
    intervalMs: health.intervalSeconds * 1000,
    maxIntervalMs: health.intervalSeconds * 4000,
    check: async (attempt) => {
      const r = await ctx.exec.run(c.probeHealth(port, health.path), signal ? { signal } : {});
      const status = r.stdout.trim() || '000';
      ctx.emit({ kind: 'health:poll', host: ctx.host.name, attempt, status });
      if (status === String(health.expectStatus)) return { done: true };
      if (pid && (await ctx.exec.run(c.jvmAlive(pid))).stdout.trim() === 'dead')
        return { done: false, observed: status, fail: `the JVM (pid ${pid}) exited` };
      return { done: false, observed: status };
    },
  });
  const seconds = Math.round((ctx.clock.now() - t0) / 100) / 10;
  if (result.state === 'SUCCESS') return `healthy after ${seconds} s (${result.attempts} polls)`;
  const seen = describeObserved(result.observed) || 'nothing';
  if (result.state === 'ABORTED')
    throw new HealthError(`interrupted while waiting for ${health.path} (seen: ${seen})`);
  const why =
    result.state === 'FAILURE'
      ? result.reason
      : `no ${health.expectStatus} within ${health.timeoutSeconds} s`;
  const log = await ctx.exec.run(c.tailAppLog(ctx.layout.release(ctx.releaseId), 20));
  throw new HealthError(
    `${health.path} never passed on ${ctx.host.name}: ${why}; statuses seen: ${seen} (000 = no answer)\n  last lines of the app log:\n    ${log.stdout.trim().split('\n').slice(-10).join('\n    ') || '(empty)'}`,
  );
}
