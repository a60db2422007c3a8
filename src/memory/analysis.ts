// Pure analysis of the sampler's series: the numbers the report and the benchmark compare.
import type { MemorySample, MemorySource } from '../sampler/parse.ts';

export type MemoryPeak = {
  t: number;
  host: string;
  step: string;
};

/** The report's `memory` section (docs/contracts.md, section 4) plus peakAt, peakPerStep and missedSamples. */
export type MemoryAnalysis = {
  /** One source for every sample, 'mixed' when hosts differ, 'none' without samples. */
  source: MemorySource | 'mixed' | 'none';
  intervalSeconds: number;
  /** Highest usedPercent over all hosts; null without samples. */
  peakPercent: number | null;
  peakAt: MemoryPeak | null;
  /** Seconds in which the old JVM still had RSS while the build or the new JVM had RSS too (all hosts). */
  overlapSeconds: number;
  /** Increase of the OOM-kill counters over the deploy, summed over hosts. */
  oomKills: number;
  peakPerStep: Record<string, number>;
  /** Ticks missing from the series: a gap of k intervals counts k - 1. */
  missedSamples: number;
  samples: MemorySample[];
};

const round2 = (x: number): number => Math.round(x * 100) / 100;
const has = (kb: number | undefined): boolean => kb !== undefined && kb > 0;

/** Samples grouped by host, each group in time order (the input may interleave hosts). */
export function byHost(samples: readonly MemorySample[]): Map<string, MemorySample[]> {
  const groups = new Map<string, MemorySample[]>();
  for (const s of samples) {
    const g = groups.get(s.host);
    if (g) g.push(s);
    else groups.set(s.host, [s]);
  }
  for (const g of groups.values()) g.sort((a, b) => a.t - b.t);
  return groups;
}

/** True for a sample in which the old JVM coexists in memory with the build or the new JVM. */
export function isOverlap(s: MemorySample): boolean {
  return has(s.oldRssKb) && (has(s.buildRssKb) || has(s.newRssKb));
}

export function analyzeMemory(
  samples: readonly MemorySample[],
  opts: { intervalSeconds: number },
): MemoryAnalysis {
  const iv = opts.intervalSeconds;
  if (!(iv > 0)) throw new RangeError(`intervalSeconds must be > 0, got ${iv}`);
  let peak: MemorySample | null = null;
  let overlapTicks = 0;
  let missed = 0;
  let oomKills = 0;
  const peakPerStep: Record<string, number> = {};
  const sources = new Set<MemorySource>();

  for (const series of byHost(samples).values()) {
    let prev: MemorySample | undefined;
    let prevCounter: number | undefined;
    for (const s of series) {
      sources.add(s.source);
      if (peak === null || s.usedPercent > peak.usedPercent) peak = s;
      const stepPeak = peakPerStep[s.step];
      if (stepPeak === undefined || s.usedPercent > stepPeak) peakPerStep[s.step] = s.usedPercent;
      // Each sample stands for one interval; missed ticks are not guessed into the overlap.
      if (isOverlap(s)) overlapTicks++;
      if (prev) {
        const k = Math.round((s.t - prev.t) / iv);
        if (k >= 2) missed += k - 1;
      }
      // Sum rises only: a counter that went down was reset (cgroup recreated), not un-killed.
      if (s.oomKillCounter !== undefined) {
        if (prevCounter !== undefined && s.oomKillCounter > prevCounter)
          oomKills += s.oomKillCounter - prevCounter;
        prevCounter = s.oomKillCounter;
      }
      prev = s;
    }
  }

  return {
    source: sources.size === 0 ? 'none' : sources.size > 1 ? 'mixed' : [...sources][0]!,
    intervalSeconds: iv,
    peakPercent: peak ? peak.usedPercent : null,
    peakAt: peak ? { t: peak.t, host: peak.host, step: peak.step } : null,
    overlapSeconds: round2(overlapTicks * iv),
    oomKills,
    peakPerStep,
    missedSamples: missed,
    samples: [...samples],
  };
}

/** Consecutive runs of one step on one host, in time order: the bands of the charts. */
export type StepSpan = {
  host: string;
  step: string;
  from: number;
  to: number;
};

export function stepSpans(samples: readonly MemorySample[], intervalSeconds: number): StepSpan[] {
  const spans: StepSpan[] = [];
  for (const series of byHost(samples).values()) {
    let cur: StepSpan | undefined;
    for (const s of series) {
      if (cur && cur.step === s.step) {
        cur.to = s.t + intervalSeconds;
      } else {
        if (cur) cur.to = Math.min(cur.to, s.t);
        cur = { host: s.host, step: s.step, from: s.t, to: s.t + intervalSeconds };
        spans.push(cur);
      }
    }
  }
  return spans.sort((a, b) => a.from - b.from);
}
