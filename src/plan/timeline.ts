// Pure: the per-host steps of docs/contracts.md section 1 with expected start and duration.
// Durations that depend on the app (stop, build, boot) are estimates and say so.

export type StepName =
  | 'preflight'
  | 'upload'
  | 'drain'
  | 'wait'
  | 'stop'
  | 'build'
  | 'start'
  | 'health'
  | 'admit'
  | 'settle';

export type TimelineEntry = {
  host: string;
  step: StepName;
  atSeconds: number;
  durationSeconds: number;
  note: string;
};

export type TimelineInput = {
  hosts: string[];
  strategy: 'stop-first' | 'build-first' | 'swap';
  buildWhere: 'host' | 'local';
  /** The drain mode's notes for the steps it shapes (src/drain/types.ts). */
  notes: { drain: string; wait: string; admit: string };
  waitSeconds: number;
  settleSeconds: number;
  graceSeconds: number;
  buildSeconds: number;
  bootSeconds: number;
};

type Step = { step: StepName; seconds: number; note: string };

/** The order of one host's steps; the memory-safe order stops the old JVM before building. */
export function hostSteps(input: TimelineInput): Step[] {
  const build: Step =
    input.buildWhere === 'host'
      ? { step: 'build', seconds: input.buildSeconds, note: `~estimate; in releases/<id> on the host` }
      : { step: 'upload', seconds: 1, note: '~estimate; artifact built locally, uploaded before draining' };
  const drainAndWait: Step[] = [
    { step: 'drain', seconds: 0.2, note: input.notes.drain },
    { step: 'wait', seconds: input.waitSeconds, note: input.notes.wait },
    {
      step: 'stop',
      seconds: input.graceSeconds,
      note: `bound: SIGTERM, up to ${input.graceSeconds} s grace, then SIGKILL`,
    },
  ];
  const tail: Step[] = [
    { step: 'start', seconds: 0.5, note: 'setsid, stdin /dev/null, log file, PID file' },
    { step: 'health', seconds: input.bootSeconds, note: '~estimate: JVM boot until /health answers' },
    { step: 'admit', seconds: 0.2, note: input.notes.admit },
    {
      step: 'settle',
      seconds: input.settleSeconds,
      note: 'until every load-balancer node routes to the host; bound: the re-admission window',
    },
  ];
  const preflight: Step = {
    step: 'preflight',
    seconds: 1,
    note: '~estimate: lock, SSH, another target healthy',
  };
  // swap: the new JVM starts beside the old one and takes the traffic before the old port drains.
  if (input.strategy === 'swap') return [preflight, build, ...tail, ...drainAndWait];
  const buildFirst = input.strategy === 'build-first' || input.buildWhere === 'local';
  return buildFirst
    ? [preflight, build, ...drainAndWait, ...tail]
    : [preflight, ...drainAndWait, build, ...tail];
}

export function buildTimeline(input: TimelineInput): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let at = 0;
  for (const host of input.hosts)
    for (const s of hostSteps(input)) {
      out.push({ host, step: s.step, atSeconds: round(at), durationSeconds: round(s.seconds), note: s.note });
      at += s.seconds;
    }
  return out;
}

const round = (v: number) => Math.round(v * 10) / 10;
