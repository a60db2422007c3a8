// Runs a hook point's hooks in order on the host's executor or the local one (docs/hooks.md).
// The first failure stops the list and throws HookError (the engine turns it into the step's
// failure: abort or undo, per HOOK_POINTS); onFailure's hooks never throw: the error they report
// stays the deploy's error.
import type { Executor } from '../executors/types.ts';
import { hookCmd, KILL_AFTER_SECONDS, TIMED_OUT } from '../remote/hook.ts';
import { type HookContext, hookEnv } from './env.ts';
import type { Hook, HookName } from './schema.ts';

export type HookRun = {
  hook: HookName;
  /** Position in the hook point's list, from 1. */
  index: number;
  where: Hook['where'];
  code: number;
  timedOut: boolean;
  seconds: number;
  /** The last lines of its output, redacted. */
  tail: string;
};

export class HookError extends Error {
  readonly run: HookRun;
  constructor(host: string, run: HookRun) {
    const why = run.timedOut ? 'timed out' : `exit ${run.code}`;
    const n = run.index > 1 ? ` #${run.index}` : '';
    super(
      `hook ${run.hook}${n} (${run.where}) failed on ${host} (${why})${run.tail ? `:\n    ${run.tail.split('\n').join('\n    ')}` : ''}`,
    );
    this.name = 'HookError';
    this.run = run;
  }
}

export type HookDeps = {
  host: Executor;
  local: Executor;
  /** Where a host hook runs (the new release) and a local one (the config's directory). */
  hostDir: string;
  localDir: string;
  redact: (text: string) => string;
  signal?: AbortSignal | undefined;
  /** Each hook as it ends (events, the log). */
  onRun?: (run: HookRun) => void;
};

export async function runHooks(
  hooks: readonly Hook[] | undefined,
  ctx: HookContext,
  deps: HookDeps,
): Promise<HookRun[]> {
  const runs: HookRun[] = [];
  const env = hookEnv({ ...ctx, ...(ctx.error ? { error: deps.redact(ctx.error) } : {}) });
  for (const [i, hook] of (hooks ?? []).entries()) {
    const run = await runOne(hook, i + 1, ctx.hook, env, deps);
    runs.push(run);
    deps.onRun?.(run);
    if (run.code !== 0) throw new HookError(ctx.host, run);
  }
  return runs;
}

/** onFailure: every hook is tried, none throws; the failures come back as warnings. */
export async function runFailureHooks(
  hooks: readonly Hook[] | undefined,
  ctx: HookContext,
  deps: HookDeps,
): Promise<{ runs: HookRun[]; warnings: string[] }> {
  const runs: HookRun[] = [];
  const warnings: string[] = [];
  for (const hook of hooks ?? []) {
    try {
      runs.push(...(await runHooks([hook], ctx, deps)));
    } catch (error) {
      if (error instanceof HookError) runs.push(error.run);
      warnings.push(`${(error as Error).message} (the deploy's own error stands)`);
    }
  }
  return { runs, warnings };
}

async function runOne(
  hook: Hook,
  index: number,
  name: HookName,
  env: Record<string, string>,
  deps: HookDeps,
): Promise<HookRun> {
  const exec = hook.where === 'local' ? deps.local : deps.host;
  const dir = hook.where === 'local' ? deps.localDir : deps.hostDir;
  // On the host the command's deadline is the hook's limit and kill grace: the transport ends it
  // there even where `timeout` did not (ssm: executionTimeout; ssh: the channel closed, exit 124).
  const deadline = Date.now() + (hook.timeoutSeconds + KILL_AFTER_SECONDS) * 1000;
  // The backstop where the host (or this machine) has no `timeout`: 10 s after its own limit.
  const limit = AbortSignal.timeout((hook.timeoutSeconds + 10) * 1000);
  const signal = deps.signal ? AbortSignal.any([deps.signal, limit]) : limit;
  const opts = hook.where === 'host' ? { signal, deadline } : { signal };
  const t0 = performance.now();
  const result = await exec.run(hookCmd(hook, dir, env), opts).catch((error: unknown) => ({
    code: 1,
    stdout: '',
    stderr: limit.aborted ? '' : String((error as Error).message),
  }));
  const timedOut = result.code === TIMED_OUT || limit.aborted;
  const output = [result.stdout.trim(), result.stderr.trim()].filter(Boolean).join('\n');
  return {
    hook: name,
    index,
    where: hook.where,
    code: limit.aborted && result.code === 0 ? TIMED_OUT : result.code,
    timedOut,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    tail: deps.redact(output.split('\n').slice(-5).join('\n')),
  };
}
