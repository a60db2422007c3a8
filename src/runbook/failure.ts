// Pure: the failure table. A failure at step X (or an interrupt once X has begun) runs the undo of
// every step that began, X included (its undo cleans up a partial run), newest first. In the
// rolling runbook `drain`'s undo is the restore (the previous release serving and re-admitted); in
// a swap, before the old port is deregistered only the new port and JVM are taken away (the old
// JVM never stopped serving), after it the old port is restored first. docs/failures.md shows the
// table generated from this function (npm run schema); src/engine/host.ts runs it.
import type { Runbook, StepName } from './sequence.ts';

/** Per runbook, the steps that have an undo and what it does (the engine's Step.undo, same name). */
export const UNDOS: Record<Runbook, Partial<Record<StepName, string>>> = {
  rolling: {
    upload: 'remove-release',
    drain: 'restore',
    build: 'kill-build',
    start: 'stop-new-jvm',
    // A failed after-hook: the new JVM may already serve (a health flip admits it once healthy;
    // deregister once admitted), so it is taken out and drained before start's undo stops it.
    afterStart: 'withdraw-new-jvm',
    afterHealthy: 'withdraw-new-jvm',
    afterDeploy: 'withdraw-new-jvm',
  },
  // A swap's after-hooks need no undo of their own: its admit's undo drains the new port first.
  swap: {
    upload: 'remove-release',
    build: 'kill-build',
    start: 'stop-new-jvm',
    admit: 'deregister-new-port',
    drain: 'restore-old-port',
  },
};

export type Compensation = { step: StepName; does: string };

/** What runs after a failure at `failedAt` (the last step that began) in this host's sequence. */
export function compensationsFor(
  failedAt: StepName | undefined,
  steps: readonly StepName[],
  runbook: Runbook = 'rolling',
): Compensation[] {
  if (failedAt === undefined) return [];
  const at = steps.indexOf(failedAt);
  if (at < 0) throw new RangeError(`${failedAt} is not in the sequence ${steps.join(', ')}`);
  const undos = UNDOS[runbook];
  return steps
    .slice(0, at + 1)
    .reverse()
    .flatMap((step) => {
      const does = undos[step];
      return does ? [{ step, does }] : [];
    });
}
