// The runbooks' tables of runs and undos, built from the step registry (src/runbook/registry.ts):
// each entry's `runs` is loaded here, and only here, so the plan never loads the engine. The plan
// names the steps; the engine looks each name up in the table `runbookOf` picks, and executes the
// plan's list.
import type { Plan } from '../plan/plan.ts';
import { type Registry, STEP_REGISTRY, type StepName } from '../runbook/registry.ts';
import { runbookOf, sequence } from '../runbook/sequence.ts';
import { RUNBOOKS, type Runbook } from '../runbook/types.ts';
import { concrete } from '../strategy/auto.ts';
import type { Step } from './context.ts';

export type RunbookTables = Record<Runbook, Record<StepName, Step>>;
export type HostRunbook = { runbook: Runbook; steps: Step[]; registry: Registry };

const loaded = new WeakMap<Registry, Promise<RunbookTables>>();

/** Every runbook's table: each step of the registry under its name, as its runs module gives it. */
export function runbookTables(registry: Registry = STEP_REGISTRY): Promise<RunbookTables> {
  let tables = loaded.get(registry);
  if (!tables) {
    tables = load(registry);
    loaded.set(registry, tables);
  }
  return tables;
}

async function load(registry: Registry): Promise<RunbookTables> {
  const runs = await Promise.all(registry.map(async (spec) => ({ spec, runs: await spec.runs() })));
  const table = (runbook: Runbook) =>
    Object.fromEntries(runs.map(({ spec, runs: r }) => [spec.name, { ...r[runbook], name: spec.name }]));
  return Object.fromEntries(RUNBOOKS.map((r) => [r, table(r)])) as RunbookTables;
}

/** The plan's own step list, as the steps of the runbook its strategy and kind pick. */
export async function planned(
  plan: Pick<Plan, 'steps' | 'strategy'>,
  kind: 'deploy' | 'rollback',
  registry: Registry = STEP_REGISTRY,
): Promise<HostRunbook> {
  const runbook = runbookOf({ strategy: concrete(plan.strategy), kind });
  const table = (await runbookTables(registry))[runbook];
  return { runbook, registry, steps: plan.steps.map((name) => table[name]) };
}

/** `deploy rollback`'s steps, for any strategy (rollout.onFailure 'rollback-all' runs them too). */
export function rollbackRunbook(plan: Pick<Plan, 'strategy'>): Promise<HostRunbook> {
  const strategy = concrete(plan.strategy);
  return planned(
    { strategy, steps: sequence({ strategy, buildWhere: 'host', kind: 'rollback' }) },
    'rollback',
  );
}
