// Runs one host's steps in order; on failure or interrupt, undoes what was done (newest first) so
// the previous release serves again. Once the new JVM is healthy an interrupt lets the host finish.
import * as c from '../remote/commands.ts';
import { compensationsFor } from '../runbook/failure.ts';
import type { StepName } from '../runbook/registry.ts';
import type { HostCtx, HostState, Step } from './context.ts';
import { stepDeadlineSeconds, withDeadline } from './deadlines.ts';
import type { EngineStep, HostResult } from './events.ts';
import { heldBack } from './fleet.ts';
import { runOnFailure } from './hook-steps.ts';
import type { HostRunbook } from './runbooks.ts';
import { waitUntilSettled } from './waits.ts';

export type StepRecord = {
  /** `rollback:<step>`: rollout.onFailure 'rollback-all' taking a deployed host back (rollback-all.ts). */
  name: EngineStep | `undo:${EngineStep}` | `rollback:${EngineStep}`;
  startedAt: string;
  endedAt: string;
  ok: boolean;
  detail: string;
};
export type HostOutcome = {
  result: HostResult;
  steps: StepRecord[];
  /** What happened on the host, as data (the report reads PIDs here, never from step details). */
  state?: HostState;
  error?: Error;
  /** The restore itself failed: service is not back (exit 4). */
  rollbackError?: Error;
  /** Undo steps that failed while the rest of the undo, the restore included, went on. */
  undoErrors?: { step: EngineStep; error: Error }[];
};

export class InterruptedError extends Error {
  constructor() {
    super('interrupted (SIGINT/SIGTERM)');
    this.name = 'InterruptedError';
  }
}

/** The sampler's step mark: bookkeeping, so a failure to write it never decides anything. */
export async function markBestEffort(ctx: HostCtx, key: 'step' | 'old.pid' | 'new.pid', value: string) {
  try {
    await ctx.exec.run(c.mark(ctx.layout, key, value));
  } catch {
    // A lost connection shows up again on the step's own commands, where it counts.
  }
}

export async function runHost(ctx: HostCtx, { runbook, steps, registry }: HostRunbook): Promise<HostOutcome> {
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
    const startedAt = iso();
    const t0 = ctx.clock.now();
    const stepCtx = stepContext(ctx, step, t0, finishing.signal);
    ctx.emit({ kind: 'step:start', host: ctx.host.name, step: step.name });
    await markBestEffort(ctx, 'step', step.name);
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
  if (!failure) return { result: 'deployed', steps: records, state: { ...ctx.state } };
  const lastBegun = done.at(-1)?.name as StepName | undefined;
  const names = steps.map((st) => st.name);
  const undos = compensationsFor(lastBegun, names, runbook, registry).map(
    ({ step }) => steps.find((st) => st.name === step)!,
  );
  const undone = await undo(ctx, undos, records, failure);
  // Not for a host the rollout held back before its drain: nothing failed there.
  if (!heldBack({ error: failure }))
    for (const message of await runOnFailure(ctx, lastBegun, failure))
      ctx.emit({ kind: 'log', host: ctx.host.name, level: 'warn', message });
  return { ...undone, state: { ...ctx.state }, error: failure };
}

/** What a step sees: its deadline on every command (deadlines.ts); past a healthy new JVM, no abort. */
function stepContext(ctx: HostCtx, step: Step, startedAt: number, finishing: AbortSignal): HostCtx {
  const seconds = stepDeadlineSeconds(step.name, ctx.config);
  const exec = seconds === undefined ? ctx.exec : withDeadline(ctx.exec, startedAt + seconds * 1000);
  return { ...ctx, exec, ...(ctx.state.healthy ? { signal: finishing } : {}) };
}

// The undos of the failure table (src/runbook/failure.ts), in its order. Every undo runs even when one before it failed: a failed reconnect in one must not skip the
// restore. Only a failed restore (the undo that puts service back) makes the host 'failed'.
async function undo(
  ctx: HostCtx,
  undos: Step[],
  records: StepRecord[],
  failure: Error,
): Promise<Omit<HostOutcome, 'error' | 'state'>> {
  const iso = () => new Date(ctx.clock.now()).toISOString();
  const calm = { ...ctx, signal: new AbortController().signal };
  ctx.emit({ kind: 'rollback:start', host: ctx.host.name, reason: failure.message });
  const undoErrors: { step: EngineStep; error: Error }[] = [];
  let rollbackError: Error | undefined;
  for (const step of undos) {
    if (!step.undo) continue;
    const startedAt = iso();
    try {
      await step.undo(calm);
      records.push({ name: `undo:${step.name}`, startedAt, endedAt: iso(), ok: true, detail: 'undone' });
    } catch (error) {
      const e = error as Error;
      records.push({ name: `undo:${step.name}`, startedAt, endedAt: iso(), ok: false, detail: e.message });
      undoErrors.push({ step: step.name, error: e });
      if (step.restores) rollbackError = e;
    }
  }
  const failedUndos = undoErrors.map((u) => `undo:${u.step} failed: ${u.error.message}`).join('; ');
  if (rollbackError) {
    ctx.emit({ kind: 'rollback:end', host: ctx.host.name, ok: false, detail: failedUndos });
    return { result: 'failed', steps: records, rollbackError, undoErrors };
  }
  // Back in the load balancer before the tool exits, so "rolled back" means "serving".
  if (ctx.state.drained) await waitUntilSettled(calm).catch(() => undefined);
  ctx.emit({
    kind: 'rollback:end',
    host: ctx.host.name,
    ok: true,
    detail: `release ${ctx.state.previousRelease ?? '(none)'} serving${failedUndos ? `; ${failedUndos}` : ''}`,
  });
  return { result: 'rolled-back', steps: records, ...(undoErrors.length ? { undoErrors } : {}) };
}
