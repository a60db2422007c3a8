// Pure: the one function that orders the steps (docs/contracts.md, section 1), from the places
// the registry's steps declare (src/runbook/registry.ts); the plan carries the list and the engine
// executes that list, so plan, dry run and run cannot disagree. A hook point configured in `hooks`
// (docs/hooks.md) is a step of its own, at its place in the order.
import { type Registry, STEP_REGISTRY, type StepName } from './registry.ts';
import { orderOf, type Runbook, type SequenceInput } from './types.ts';

/** A rollback under strategy swap is the rolling one (a port-swap rollback is not built yet). */
export const runbookOf = ({ strategy, kind }: Omit<SequenceInput, 'buildWhere'>): Runbook =>
  strategy === 'swap' && kind === 'deploy' ? 'swap' : 'rolling';

/**
 * One host's steps: every step of the registry that has a place in this order and applies, by
 * rank. The memory-safe order stops the old JVM before building; a swap starts and admits the new
 * JVM beside the old one before the old port is drained and its JVM stopped.
 */
export function sequence(input: SequenceInput, registry: Registry = STEP_REGISTRY): StepName[] {
  const order = orderOf(input);
  return registry
    .flatMap((s) => {
      const rank = s.order[order];
      return rank === undefined || (s.applies && !s.applies(input)) ? [] : [{ name: s.name, rank }];
    })
    .sort((a, b) => a.rank - b.rank)
    .map((s) => s.name as StepName);
}
