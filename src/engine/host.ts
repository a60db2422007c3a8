// Runs one host's steps in order; on failure or interrupt, undoes what was done (newest first) so
// the previous release serves again. Once the new JVM is healthy an interrupt lets the host finish.
import type { HostCtx, Step } from './context.ts';
import type { EngineStep, HostResult } from './events.ts';
import { waitUntilSettled } from './waits.ts';

export type StepRecord = {
  name: EngineStep | `undo:${EngineStep}`;
  startedAt: string;
  endedAt: string;
  ok: boolean;
  detail: string;
};
export type HostOutcome = { result: HostResult; steps: StepRecord[]; error?: Error; rollbackError?: Error };

export class InterruptedError extends Error {
  constructor() {
    super('interrupted (SIGINT/SIGTERM)');
    this.name = 'InterruptedError';
  }
}

export async function runHost(ctx: HostCtx, steps: Step[]): Promise<HostOutcome> {
  const records: StepRecord[] = [];
  const done: Step[] = [];
  const iso = () => new Date(ctx.clock.now()).toISOString();
  let failure: Error | undefined;
  const finishing = new AbortController(); // never aborted: the tail after a healthy new JVM
  for (const step of steps) {
    if (ctx.signal.aborted && !ctx.state.healthy) {
      failure = new InterruptedError();
      break;
    }
    const stepCtx = ctx.state.healthy ? { ...ctx, signal: finishing.signal } : ctx;
    const startedAt = iso();
    const t0 = ctx.clock.now();
    ctx.emit({ kind: 'step:start', host: ctx.host.name, step: step.name });
    await ctx.exec.run({
      kind: 'mark',
      argv: [
        'sh',
        '-c',
        'printf "%s\\n" "$2" > "$1" 2>/dev/null; true',
        'handoff',
        `${ctx.layout.marks}/step`,
        step.name,
      ],
    });
    try {
      const detail = await step.run(stepCtx);
      done.push(step);
      records.push({ name: step.name, startedAt, endedAt: iso(), ok: true, detail });
      ctx.emit({
        kind: 'step:end',
        host: ctx.host.name,
        step: step.name,
        ok: true,
        detail,
        ms: ctx.clock.now() - t0,
      });
    } catch (error) {
      failure = ctx.signal.aborted && !ctx.state.healthy ? new InterruptedError() : (error as Error);
      done.push(step); // its undo must clean up a partial run
      const detail = ctx.signal.aborted
        ? `interrupted: ${(error as Error).message}`
        : (error as Error).message;
      records.push({ name: step.name, startedAt, endedAt: iso(), ok: false, detail });
      ctx.emit({
        kind: 'step:end',
        host: ctx.host.name,
        step: step.name,
        ok: false,
        detail,
        ms: ctx.clock.now() - t0,
      });
      break;
    }
  }
  if (!failure) return { result: 'deployed', steps: records };
  return { ...(await undo(ctx, done, records, failure)), error: failure };
}

async function undo(
  ctx: HostCtx,
  done: Step[],
  records: StepRecord[],
  failure: Error,
): Promise<Omit<HostOutcome, 'error'>> {
  const iso = () => new Date(ctx.clock.now()).toISOString();
  const calm = { ...ctx, signal: new AbortController().signal };
  ctx.emit({ kind: 'rollback:start', host: ctx.host.name, reason: failure.message });
  for (const step of [...done].reverse()) {
    if (!step.undo) continue;
    const startedAt = iso();
    try {
      await step.undo(calm);
      records.push({ name: `undo:${step.name}`, startedAt, endedAt: iso(), ok: true, detail: 'undone' });
    } catch (error) {
      records.push({
        name: `undo:${step.name}`,
        startedAt,
        endedAt: iso(),
        ok: false,
        detail: (error as Error).message,
      });
      ctx.emit({ kind: 'rollback:end', host: ctx.host.name, ok: false, detail: (error as Error).message });
      return { result: 'failed', steps: records, rollbackError: error as Error };
    }
  }
  // Back in the load balancer before the tool exits, so "rolled back" means "serving".
  if (ctx.state.drained) await waitUntilSettled(calm).catch(() => undefined);
  ctx.emit({
    kind: 'rollback:end',
    host: ctx.host.name,
    ok: true,
    detail: `release ${ctx.state.previousRelease ?? '(none)'} serving`,
  });
  return { result: 'rolled-back', steps: records };
}
