// Pure: the memory series as a Mermaid xychart, the one chart a GitHub step summary renders (it
// shows no images from the run). A 1 Hz series of a 10-minute deploy is 600 points per host; the
// chart is unreadable (and slow) at that size, so it is bucketed to at most `maxPoints`.
import { byHost } from '../memory/analysis.ts';
import type { MemorySample } from '../sampler/parse.ts';

export type MermaidSeries = { hosts: string[]; from: number; to: number; lines: number[][] };

/**
 * One line per host over a shared time axis. Each bucket keeps the host's highest used % (a
 * downsampled peak must not vanish); a bucket without samples repeats the last value, since a
 * Mermaid line needs a number at every point.
 */
export function bucketSeries(samples: readonly MemorySample[], maxPoints = 60): MermaidSeries | undefined {
  if (samples.length === 0) return undefined;
  const groups = byHost(samples);
  const from = Math.min(...samples.map((s) => s.t));
  const to = Math.max(...samples.map((s) => s.t));
  const longest = Math.max(...[...groups.values()].map((g) => g.length));
  const points = Math.max(1, Math.min(maxPoints, longest));
  const width = (to - from) / points || 1;
  const lines: number[][] = [];
  for (const series of groups.values()) {
    const peaks: (number | undefined)[] = new Array(points).fill(undefined);
    for (const s of series) {
      const i = Math.min(points - 1, Math.floor((s.t - from) / width));
      peaks[i] = Math.max(peaks[i] ?? -Infinity, s.usedPercent);
    }
    let last = series[0]?.usedPercent ?? 0;
    lines.push(
      peaks.map((p) => {
        if (p !== undefined) last = p;
        return Math.round(last * 10) / 10;
      }),
    );
  }
  return { hosts: [...groups.keys()], from, to, lines };
}

const label = (s: string) => s.replaceAll('"', "'");

export function memoryMermaid(samples: readonly MemorySample[], maxPoints = 60): string | undefined {
  const series = bucketSeries(samples, maxPoints);
  if (!series) return undefined;
  const top = Math.max(100, Math.ceil(Math.max(...series.lines.flat())));
  return [
    '```mermaid',
    'xychart-beta',
    `    title "Memory used % per host (${label(series.hosts.join(', '))})"`,
    `    x-axis "seconds since the deploy started" ${Math.floor(series.from)} --> ${Math.max(Math.ceil(series.to), Math.floor(series.from) + 1)}`,
    `    y-axis "used %" 0 --> ${top}`,
    ...series.lines.map((l) => `    line [${l.join(', ')}]`),
    '```',
  ].join('\n');
}
