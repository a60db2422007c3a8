// Pure: what a step of the runbook is (docs/architecture.md, "Steps"): a descriptor with its name,
// its place in each order, when it applies, its plan estimate and what its undo does in each
// runbook, and where the engine finds how it runs. The descriptors live in src/runbook/steps/, one
// module per step, listed once in src/runbook/registry.ts.
// The engine's context is a type only here: erased, it loads nothing.
import type { HostCtx } from '../engine/context.ts';
import type { Hook, HookName } from '../hooks/schema.ts';

export const STRATEGIES = ['stop-first', 'build-first', 'swap'] as const;
export type Strategy = (typeof STRATEGIES)[number];
/** The table of runs and undos a host executes: the rolling one, or the port swap's. */
export const RUNBOOKS = ['rolling', 'swap'] as const;
export type Runbook = (typeof RUNBOOKS)[number];
/** rollback: the release is on the host already, so nothing is uploaded or built. */
export type Kind = 'deploy' | 'rollback';
/** An order of steps: a deploy's strategy, or a rollback (the rolling one, whatever the strategy). */
export type Order = Strategy | 'rollback';

export type SequenceInput = {
  strategy: Strategy;
  buildWhere: 'host' | 'local';
  kind: Kind;
  /** The hook points the config fills (a deploy runs them; a rollback runs none). */
  hooks?: readonly HookName[];
};

export type EstimateInput = {
  buildWhere: 'host' | 'local';
  /** The drain mode's notes for the steps it shapes (src/drain/types.ts). */
  notes: { drain: string; wait: string; admit: string };
  waitSeconds: number;
  settleSeconds: number;
  graceSeconds: number;
  buildSeconds: number;
  bootSeconds: number;
  /** The config's hooks, for their steps' notes. */
  hooks?: Partial<Record<HookName, Hook[]>>;
};

/** How a step runs in one runbook (the engine's `Step` without its name, src/engine/context.ts). */
export type StepRun<Ctx> = {
  run(ctx: Ctx): Promise<string>;
  /** Restores what run changed; must be safe after a partial run. Runs without the abort signal. */
  undo?(ctx: Ctx): Promise<void>;
  /** Its undo is the restore: if that fails, service is not back (exit 4). */
  restores?: boolean;
};

/**
 * One step. `order`: its rank in each order it belongs to (a step missing from an order never runs
 * there; the runbook sorts by rank, ties are refused by test/unit/runbook.test.ts). `applies`: a
 * condition of the config on top (build location, a hook configured). `undo`: per runbook, what its
 * undo does, for the failure table (docs/failures.md); the engine's run has an undo exactly there.
 * `runs`: the engine's module for it, loaded only by the engine (the plan never loads it), one
 * `StepRun` per runbook beside each other.
 */
export type StepSpec<N extends string = string> = {
  name: N;
  order: Partial<Record<Order, number>>;
  applies?: (input: SequenceInput) => boolean;
  estimate: (input: EstimateInput) => { seconds: number; note: string };
  undo?: Partial<Record<Runbook, string>>;
  runs: () => Promise<Record<Runbook, StepRun<HostCtx>>>;
};

/** A step descriptor, its name kept as a literal type (the registry's `StepName` is their union). */
export const defineStep = <const N extends string>(spec: StepSpec<N>): StepSpec<N> => spec;

/** The order a sequence input takes. */
export const orderOf = (input: Pick<SequenceInput, 'strategy' | 'kind'>): Order =>
  input.kind === 'rollback' ? 'rollback' : input.strategy;
