// Pure: the runbook's steps, the one function that orders them, and each step's plan estimate
// (docs/contracts.md, section 1). The plan's timeline is `sequence(...)` through `estimate`; the plan
// carries the list and the engine executes that list (src/engine/steps.ts holds each step's run and
// undo under the same name), so plan, dry run and run cannot disagree. A hook point configured in
// `hooks` (docs/hooks.md) is a step of its own, at its place in the order.
import { HOOK_POINTS, type Hook, type HookName, STEP_HOOKS, type StepHook } from '../hooks/schema.ts';

export const STEP_NAMES = [
  'preflight',
  'upload',
  'drain',
  'wait',
  'stop',
  'build',
  'start',
  'health',
  'admit',
  'settle',
  ...STEP_HOOKS,
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STRATEGIES = ['stop-first', 'build-first', 'swap'] as const;
export type Strategy = (typeof STRATEGIES)[number];
/** The table of runs and undos a host executes: the rolling one, or the port swap's. */
export type Runbook = 'rolling' | 'swap';

/** rollback: the release is on the host already, so nothing is uploaded or built. */
export type Kind = 'deploy' | 'rollback';

export type SequenceInput = {
  strategy: Strategy;
  buildWhere: 'host' | 'local';
  kind: Kind;
  /** The hook points the config fills (a deploy runs them; a rollback runs none). */
  hooks?: readonly HookName[];
};

/** A rollback under strategy swap is the rolling one (a port-swap rollback is not built yet). */
export const runbookOf = ({ strategy, kind }: Omit<SequenceInput, 'buildWhere'>): Runbook =>
  strategy === 'swap' && kind === 'deploy' ? 'swap' : 'rolling';

/**
 * One host's steps. The memory-safe order stops the old JVM before building; a swap starts and
 * admits the new JVM beside the old one before the old port is drained and its JVM stopped.
 */
export function sequence(input: SequenceInput): StepName[] {
  const steps = bare(input);
  return input.kind === 'deploy' && input.hooks?.length
    ? withHooks(steps, input.hooks, runbookOf(input))
    : steps;
}

function bare(input: SequenceInput): StepName[] {
  const out: StepName[] = ['drain', 'wait', 'stop'];
  const back: StepName[] = ['start', 'health', 'admit', 'settle'];
  if (input.kind === 'rollback') return ['preflight', ...out, ...back];
  // A local build happened before the first host: no build step, and nothing to order around it.
  const build: StepName[] = input.buildWhere === 'host' ? ['build'] : [];
  if (runbookOf(input) === 'swap') return ['preflight', 'upload', ...build, ...back, ...out];
  return input.strategy === 'stop-first'
    ? ['preflight', 'upload', ...out, ...build, ...back]
    : ['preflight', 'upload', ...build, ...out, ...back];
}

/**
 * The hook steps at their places: beforeDrain right before the first step that changes what
 * serves (the drain; in a swap the new JVM's start), afterStart and afterHealthy right after their
 * step, afterDeploy last (the host serves the new release).
 */
function withHooks(steps: StepName[], hooks: readonly HookName[], runbook: Runbook): StepName[] {
  const firstChange: StepName = runbook === 'swap' ? 'start' : 'drain';
  const has = (h: StepHook) => hooks.includes(h);
  const out: StepName[] = [];
  for (const step of steps) {
    if (step === firstChange && has('beforeDrain')) out.push('beforeDrain');
    out.push(step);
    for (const h of ['afterStart', 'afterHealthy'] as const)
      if (HOOK_POINTS[h].step === step && has(h)) out.push(h);
  }
  if (has('afterDeploy')) out.push('afterDeploy');
  return out;
}

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

/** A hook step's estimate: a second a hook (their time is the app's), the commands and the bound. */
function hookEstimate(name: StepHook) {
  return (i: EstimateInput) => {
    const list = i.hooks?.[name] ?? [];
    const bound = list.reduce((sum, h) => sum + h.timeoutSeconds, 0);
    const what = list.map((h) => `${h.run} (${h.where})`).join('; ');
    return { seconds: list.length, note: `~estimate; hook ${name}: ${what}; at most ${bound} s` };
  };
}

/** How long each step is expected to take, and why; a note starting with `~` is an estimate. */
export const ESTIMATES: Record<StepName, (i: EstimateInput) => { seconds: number; note: string }> = {
  preflight: () => ({ seconds: 1, note: '~estimate: lock, SSH, another target healthy' }),
  upload: (i) => ({
    seconds: 1,
    note:
      i.buildWhere === 'local'
        ? '~estimate; artifact built locally, uploaded before draining'
        : '~estimate; the source into releases/<id> on the host',
  }),
  drain: (i) => ({ seconds: 0.2, note: i.notes.drain }),
  wait: (i) => ({ seconds: i.waitSeconds, note: i.notes.wait }),
  stop: (i) => ({
    seconds: i.graceSeconds,
    note: `bound: SIGTERM, up to ${i.graceSeconds} s grace, then SIGKILL`,
  }),
  build: (i) => ({ seconds: i.buildSeconds, note: '~estimate; in releases/<id> on the host' }),
  start: () => ({ seconds: 0.5, note: 'setsid, stdin /dev/null, log file, PID file' }),
  health: (i) => ({ seconds: i.bootSeconds, note: '~estimate: JVM boot until /health answers' }),
  admit: (i) => ({ seconds: 0.2, note: i.notes.admit }),
  settle: (i) => ({
    seconds: i.settleSeconds,
    note: 'until every load-balancer node routes to the host; bound: the re-admission window',
  }),
  beforeDrain: hookEstimate('beforeDrain'),
  afterStart: hookEstimate('afterStart'),
  afterHealthy: hookEstimate('afterHealthy'),
  afterDeploy: hookEstimate('afterDeploy'),
};
