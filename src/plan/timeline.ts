// Pure: the plan's timeline, one host after another: each host's steps (src/runbook/sequence.ts)
// with their expected start and duration, each from its step's own estimate (src/runbook/steps/).
// Durations that depend on the app (stop, build, boot) are estimates and say so.
import { type Registry, STEP_REGISTRY, type StepName, stepSpec } from '../runbook/registry.ts';
import type { EstimateInput } from '../runbook/types.ts';

export type { StepName } from '../runbook/registry.ts';

export type TimelineEntry = {
  host: string;
  step: StepName;
  atSeconds: number;
  durationSeconds: number;
  note: string;
};

export type TimelineInput = EstimateInput & { hosts: string[]; steps: readonly StepName[] };

export function buildTimeline(input: TimelineInput, registry: Registry = STEP_REGISTRY): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let at = 0;
  for (const host of input.hosts)
    for (const step of input.steps) {
      const { seconds, note } = stepSpec(step, registry).estimate(input);
      out.push({ host, step, atSeconds: round(at), durationSeconds: round(seconds), note });
      at += seconds;
    }
  return out;
}

const round = (v: number) => Math.round(v * 10) / 10;
