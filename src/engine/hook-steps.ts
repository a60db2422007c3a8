// The hook points as runbook steps (docs/hooks.md): each runs the config's hooks for its point with
// the step context in env, on the host (in the new release) or here; the first failure fails the
// step and the failure table decides the rest (beforeDrain: nothing changed yet, only the upload is
// undone; after the start: the host's undo). onFailure runs after a host's undo (host.ts) and never
// replaces its error.
import { configRedactor } from '../core/redact.ts';
import type { HookContext } from '../hooks/env.ts';
import { type HookDeps, type HookRun, runFailureHooks, runHooks } from '../hooks/run.ts';
import { HOOK_POINTS, type HookName, type StepHook } from '../hooks/schema.ts';
import type { HostCtx, Step, StepRuns } from './context.ts';
import { withdrawNewJvm } from './withdraw.ts';

/** The step a hook runs next to, in this host's own order (a swap's beforeDrain is before start). */
function neighbour(ctx: HostCtx, hook: StepHook): string {
  const i = ctx.plan.steps.indexOf(hook);
  const at = HOOK_POINTS[hook].at === 'before' ? ctx.plan.steps[i + 1] : ctx.plan.steps[i - 1];
  return at ?? HOOK_POINTS[hook].step;
}

function contextOf(ctx: HostCtx, hook: HookName, step: string): HookContext {
  return {
    hook,
    app: ctx.config.app.name,
    host: ctx.host.name,
    address: ctx.host.host,
    release: ctx.releaseId,
    releaseDir: ctx.layout.release(ctx.releaseId),
    previousRelease: ctx.state.previousRelease,
    commit: ctx.hooksAt?.commit,
    environment: ctx.plan.environment,
    step,
    dryRun: ctx.hooksAt?.dryRun ?? false,
  };
}

// Without a local executor (an embedder that gave none) a local hook fails loudly, never silently.
const noLocal = {
  name: 'local',
  run: async () => ({ code: 1, stdout: '', stderr: 'no local executor to run this hook', ms: 0 }),
  close: async () => undefined,
};

function depsOf(ctx: HostCtx, hostDir: string, signal: AbortSignal): HookDeps {
  return {
    host: ctx.exec,
    local: ctx.hooksAt?.local ?? noLocal,
    hostDir,
    localDir: ctx.hooksAt?.localDir ?? '.',
    redact: configRedactor(ctx.config).text,
    signal,
    onRun: (run) => {
      ctx.state.hookRuns = [...(ctx.state.hookRuns ?? []), run];
    },
  };
}

const describeRun = (r: HookRun) =>
  `${r.hook}${r.index > 1 ? ` #${r.index}` : ''} (${r.where}) exit ${r.code} in ${r.seconds} s`;

/** A hook point as a step; `withdraw`: its undo takes a new JVM that may serve out first. */
function hookStep(name: StepHook, withdraw: boolean): Step {
  return {
    name,
    async run(ctx) {
      const hooks = ctx.config.hooks?.[name];
      const deps = depsOf(ctx, ctx.layout.release(ctx.releaseId), ctx.signal);
      const runs = await runHooks(hooks, contextOf(ctx, name, neighbour(ctx, name)), deps);
      return runs.map(describeRun).join('; ') || 'no hooks';
    },
    ...(withdraw ? { undo: withdrawNewJvm } : {}),
  };
}

/** A hook point's runs (src/runbook/steps/hooks.ts): a swap's never withdraw (its admit's undo does). */
export function hookRuns(name: StepHook, withdraw: boolean): StepRuns {
  return { rolling: hookStep(name, withdraw), swap: hookStep(name, false) };
}

/**
 * onFailure, after the host's undo: in the app's directory (the release may be gone), with the
 * failed step and the error; not cut short by the interrupt that may have caused the failure.
 * Its own failures come back as warnings.
 */
export async function runOnFailure(
  ctx: HostCtx,
  failedStep: string | undefined,
  error: Error,
): Promise<string[]> {
  const hooks = ctx.config.hooks?.onFailure;
  if (!hooks?.length || ctx.rollback) return []; // a rollback runs no hooks (docs/hooks.md)
  const hookCtx = {
    ...contextOf(ctx, 'onFailure', 'undo'),
    ...(failedStep ? { failedStep } : {}),
    error: error.message,
  };
  const deps = depsOf(ctx, ctx.layout.dir, new AbortController().signal);
  return (await runFailureHooks(hooks, hookCtx, deps)).warnings;
}
