// Pure: the failure table. A failure at step X (or an interrupt once X has begun) runs the undo of
// every step that began, X included (its undo cleans up a partial run), newest first. What each
// undo does is its step's own (`undo` in its descriptor, src/runbook/steps/): in the rolling
// runbook `drain`'s undo is the restore (the previous release serving and re-admitted); in a swap,
// before the old port is deregistered only the new port and JVM are taken away (the old JVM never
// stopped serving), after it the old port is restored first. docs/failures.md shows the table
// generated from this function (npm run schema); src/engine/host.ts runs it.
import { type Registry, STEP_REGISTRY, type StepName, stepSpec } from './registry.ts';
import { RUNBOOKS, type Runbook } from './types.ts';

/** Per runbook, the steps that have an undo and what it does (the engine's Step.undo, same name). */
export function undosOf(
  registry: Registry = STEP_REGISTRY,
): Record<Runbook, Partial<Record<StepName, string>>> {
  const of = (runbook: Runbook) =>
    Object.fromEntries(registry.flatMap((s) => (s.undo?.[runbook] ? [[s.name, s.undo[runbook]]] : [])));
  return Object.fromEntries(RUNBOOKS.map((r) => [r, of(r)])) as Record<
    Runbook,
    Partial<Record<StepName, string>>
  >;
}

export const UNDOS = undosOf();

export type Compensation<S extends string = StepName> = { step: S; does: string };

/** What runs after a failure at `failedAt` (the last step that began) in this host's sequence. */
export function compensationsFor<S extends string = StepName>(
  failedAt: S | undefined,
  steps: readonly S[],
  runbook: Runbook = 'rolling',
  registry: Registry = STEP_REGISTRY,
): Compensation<S>[] {
  if (failedAt === undefined) return [];
  const at = steps.indexOf(failedAt);
  if (at < 0) throw new RangeError(`${failedAt} is not in the sequence ${steps.join(', ')}`);
  return steps
    .slice(0, at + 1)
    .reverse()
    .flatMap((step) => {
      const does = stepSpec(step, registry).undo?.[runbook];
      return does ? [{ step, does }] : [];
    });
}
