// Pure: the runbook's steps, the one function that orders them, and each step's plan estimate
// (docs/contracts.md, section 1). The plan's timeline is `sequence(...)` through `estimate`; the plan
// carries the list and the engine executes that list (src/engine/steps.ts holds each step's run and
// undo under the same name), so plan, dry run and run cannot disagree.

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
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STRATEGIES = ['stop-first', 'build-first', 'swap'] as const;
export type Strategy = (typeof STRATEGIES)[number];
/** The table of runs and undos a host executes: the rolling one, or the port swap's. */
export type Runbook = 'rolling' | 'swap';

export type SequenceInput = {
  strategy: Strategy;
  buildWhere: 'host' | 'local';
  /** rollback: the previous release is on the host already, so nothing is uploaded or built. */
  kind: 'deploy' | 'rollback';
};

/** A rollback under strategy swap is the rolling one (a port-swap rollback is not built yet). */
export const runbookOf = ({ strategy, kind }: Omit<SequenceInput, 'buildWhere'>): Runbook =>
  strategy === 'swap' && kind === 'deploy' ? 'swap' : 'rolling';

/**
 * One host's steps. The memory-safe order stops the old JVM before building; a swap starts and
 * admits the new JVM beside the old one before the old port is drained and its JVM stopped.
 */
export function sequence(input: SequenceInput): StepName[] {
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

export type EstimateInput = {
  buildWhere: 'host' | 'local';
  /** The drain mode's notes for the steps it shapes (src/drain/types.ts). */
  notes: { drain: string; wait: string; admit: string };
  waitSeconds: number;
  settleSeconds: number;
  graceSeconds: number;
  buildSeconds: number;
  bootSeconds: number;
};

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
};
