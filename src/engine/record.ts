// After a host: its line in the host's deploy history and the releases beyond `app.releases.keep`
// pruned (never the new one or the one it came from). Bookkeeping is best effort: a lost connection
// or a full disk here must not hide the host's real outcome, so a failure is a warning.
import type { DeployConfig } from '../config/schema.ts';
import type { Executor } from '../executors/types.ts';
import * as c from '../remote/commands.ts';
import { layout } from '../remote/layout.ts';
import type { LockOwner } from '../remote/lock.ts';
import type { Clock } from './clock.ts';
import type { EmitFn } from './events.ts';
import type { ReleaseCommit } from './source.ts';

export type RecordDeps = {
  config: DeployConfig;
  clock: Clock;
  releaseId: string;
  owner: LockOwner;
  commit?: ReleaseCommit;
  rollback?: boolean;
};

export async function recordHost(
  deps: RecordDeps,
  exec: Executor,
  from: string | undefined,
  result: string,
): Promise<void> {
  const l = layout(deps.config.app.dir);
  const at = new Date(deps.clock.now()).toISOString();
  const entry = {
    release: deps.releaseId,
    from: from ?? null,
    result,
    at,
    by: deps.owner.owner,
    runUrl: deps.owner.runUrl,
    ...(deps.commit && !deps.rollback ? { commit: deps.commit } : {}),
  };
  await exec.run(c.appendHistory(l, entry));
  if (result !== 'deployed') return;
  const protect = [deps.releaseId, ...(from ? [from] : [])];
  await exec.run(c.pruneReleases(l, deps.config.app.releases.keep, protect));
}

/** Runs `fn`; a failure becomes a warning (of this host, when one is named). */
export async function bestEffort(
  emit: EmitFn,
  host: string | undefined,
  fn: () => Promise<unknown>,
): Promise<void> {
  try {
    await fn();
  } catch (error) {
    emit({
      kind: 'log',
      ...(host ? { host } : {}),
      level: 'warn',
      message: `bookkeeping failed: ${(error as Error).message}`,
    });
  }
}
