// Pure: the plan's timeline, one host after another: each host's steps (src/runbook/sequence.ts)
// with their expected start and duration. Durations that depend on the app (stop, build, boot) are
// estimates and say so.
import { ESTIMATES, type EstimateInput, type StepName } from '../runbook/sequence.ts';

export type { StepName } from '../runbook/sequence.ts';

export type TimelineEntry = {
  host: string;
  step: StepName;
  atSeconds: number;
  durationSeconds: number;
  note: string;
};

export type TimelineInput = EstimateInput & { hosts: string[]; steps: readonly StepName[] };

export function buildTimeline(input: TimelineInput): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let at = 0;
  for (const host of input.hosts)
    for (const step of input.steps) {
      const { seconds, note } = ESTIMATES[step](input);
      out.push({ host, step, atSeconds: round(at), durationSeconds: round(seconds), note });
      at += seconds;
    }
  return out;
}

const round = (v: number) => Math.round(v * 10) / 10;
