// From a deploy's command trace (HANDOFF_TRACE lines) and its report: each command under the step it
// ran in (by host and time), and the latency figures bench/transport.ts compares. Pure.
import type { TraceLine } from '../../src/executors/traced.ts';
import { median, quantile, round } from './stats.ts';

export type StepWindow = { name: string; startedAt: string; endedAt: string };
export type ReportHosts = { hosts: { name: string; steps: StepWindow[] }[] };
/** Commands outside every step: locks, the sampler's start and reads between steps, history. */
export const OUTSIDE = '(between steps)';

export function parseTrace(text: string): TraceLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceLine);
}

/** The step each command started in, on its own host. */
export function stepOf(line: TraceLine, report: ReportHosts): string {
  const host = report.hosts.find((h) => h.name === line.host);
  const step = host?.steps.find(
    (s) => Date.parse(s.startedAt) <= line.at && line.at <= Date.parse(s.endedAt),
  );
  return step?.name ?? OUTSIDE;
}

export type Latency = { commands: number; medianMs: number; p90Ms: number };

export function latency(ms: number[]): Latency {
  return { commands: ms.length, medianMs: round(median(ms), 0), p90Ms: round(quantile(ms, 0.9), 0) };
}

export type Attributed = TraceLine & { step: string };

/** Each command with the step it started in, on its own host. */
export function attribute(lines: TraceLine[], report: ReportHosts): Attributed[] {
  return lines.map((l) => ({ ...l, step: stepOf(l, report) }));
}

/**
 * Latency per step and per command kind, over one deploy's commands or several. A `stream` (the SSH
 * sampler, open for the whole deploy) is a call but not a command's latency: it counts in `calls` only.
 */
export function traceFigures(lines: Attributed[]) {
  const timed = lines.filter((l) => l.via !== 'stream');
  const group = (key: (l: Attributed) => string) => {
    const by = new Map<string, number[]>();
    for (const l of timed) by.set(key(l), [...(by.get(key(l)) ?? []), l.ms]);
    return Object.fromEntries([...by].map(([k, ms]) => [k, latency(ms)]));
  };
  return {
    calls: lines.length,
    all: latency(timed.map((l) => l.ms)),
    byStep: group((l) => l.step),
    byKind: group((l) => l.kind),
  };
}

/** Each step's duration per host (seconds), from the report. */
export function stepSeconds(report: ReportHosts): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const h of report.hosts)
    for (const s of h.steps) {
      if (s.name.startsWith('undo:')) continue;
      const seconds = round((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000, 2);
      out[s.name] = [...(out[s.name] ?? []), seconds];
    }
  return out;
}
