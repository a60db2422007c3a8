// Pure: the overlap window, told planned from unplanned. In a port swap the old JVM shares the box
// with the build (on the host) and then the new JVM by design, for a bounded window the budget
// said fits: the report shows that window (seconds, the peak during it, OOM kills during it) as
// planned. In stop-first any overlap is unplanned (it proves 0 s); in build-first it is the old
// order's cost, also unplanned. Contract: docs/contracts.md, section 4 (`memory.overlap`).
import type { MemorySample } from '../sampler/parse.ts';
import { byHost, isOverlap } from './analysis.ts';

export type OverlapWindow = { host: string; from: number; to: number };

export type Overlap = {
  /** True only for a swap: the overlap is the plan, not a failure of it. */
  planned: boolean;
  seconds: number;
  /** Highest usedPercent in an overlapping sample; null when there was none. */
  peakPercent: number | null;
  /** Rises of the OOM-kill counter seen in an overlapping sample. */
  oomKills: number;
  /** Each host's consecutive overlapping samples, from the first to one interval past the last. */
  windows: OverlapWindow[];
};

const round2 = (x: number) => Math.round(x * 100) / 100;

export function analyzeOverlap(
  samples: readonly MemorySample[],
  intervalSeconds: number,
  strategy: string,
): Overlap {
  let ticks = 0;
  let peak: number | null = null;
  let oomKills = 0;
  const windows: OverlapWindow[] = [];
  for (const series of byHost(samples).values()) {
    let open: OverlapWindow | undefined;
    let prevCounter: number | undefined;
    for (const s of series) {
      const counter = s.oomKillCounter;
      const rise =
        counter !== undefined && prevCounter !== undefined ? Math.max(0, counter - prevCounter) : 0;
      if (counter !== undefined) prevCounter = counter;
      if (!isOverlap(s)) {
        open = undefined;
        continue;
      }
      ticks++;
      oomKills += rise;
      peak = peak === null ? s.usedPercent : Math.max(peak, s.usedPercent);
      if (open) open.to = round2(s.t + intervalSeconds);
      else {
        open = { host: s.host, from: s.t, to: round2(s.t + intervalSeconds) };
        windows.push(open);
      }
    }
  }
  return {
    planned: strategy === 'swap',
    seconds: round2(ticks * intervalSeconds),
    peakPercent: peak,
    oomKills,
    windows,
  };
}
