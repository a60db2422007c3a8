// The runbooks' tables of runs and undos by step name: the rolling one (src/engine/steps.ts) and the
// port swap's (src/strategy/swap-steps.ts). The plan names the steps (src/runbook/sequence.ts); the
// engine looks each name up here, in the table `runbookOf` picks, and executes the plan's list.
import type { Plan } from '../plan/plan.ts';
import { type Runbook, runbookOf, type StepName, sequence } from '../runbook/sequence.ts';
import { concrete } from '../strategy/auto.ts';
import { SWAP_STEPS } from '../strategy/swap-steps.ts';
import type { Step } from './context.ts';
import { STEPS } from './steps.ts';

export const RUNBOOKS: Record<Runbook, Record<StepName, Step>> = { rolling: STEPS, swap: SWAP_STEPS };

export type HostRunbook = { runbook: Runbook; steps: Step[] };

/** The plan's own step list, as the steps of the runbook its strategy and kind pick. */
export function planned(plan: Pick<Plan, 'steps' | 'strategy'>, kind: 'deploy' | 'rollback'): HostRunbook {
  const runbook = runbookOf({ strategy: concrete(plan.strategy), kind });
  return { runbook, steps: plan.steps.map((name) => RUNBOOKS[runbook][name]) };
}

/** `deploy rollback`'s steps, for any strategy (rollout.onFailure 'rollback-all' runs them too). */
export function rollbackRunbook(plan: Pick<Plan, 'strategy'>): HostRunbook {
  const strategy = concrete(plan.strategy);
  return planned(
    { strategy, steps: sequence({ strategy, buildWhere: 'host', kind: 'rollback' }) },
    'rollback',
  );
}
