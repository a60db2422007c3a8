import { describe, expect, it } from 'vitest';
import { analyzeMemory, stepSpans } from '../../src/memory/analysis.ts';
import type { MemorySample } from '../../src/sampler/parse.ts';

type Row = [t: number, step: string, used: number, old?: number, build?: number, nw?: number, oom?: number];

function series(host: string, rows: Row[], source: 'meminfo' | 'cgroup' = 'cgroup'): MemorySample[] {
  return rows.map(([t, step, used, old, build, nw, oom]) => {
    const s: MemorySample = {
      t,
      host,
      step,
      usedPercent: used,
      swapUsedPercent: 0,
      source,
      usedKb: 0,
      totalKb: 1,
    };
    if (old !== undefined) s.oldRssKb = old;
    if (build !== undefined) s.buildRssKb = build;
    if (nw !== undefined) s.newRssKb = nw;
    if (oom !== undefined) s.oomKillCounter = oom;
    return s;
  });
}

// build-first on one host: the build runs beside the old JVM (t 2-4), then a slow stop keeps the old
// JVM beside the new one (t 5). t 7 and t 8 are missing (one gap of 3 intervals = 2 missed).
const buildFirst = series('h1', [
  [0, 'preflight', 40, 400_000, undefined, undefined, 3],
  [1, 'build', 42, 400_000, 0, undefined, 3],
  [2, 'build', 70, 400_000, 200_000, undefined, 3],
  [3, 'build', 91.5, 400_000, 350_000, undefined, 4],
  [4, 'build', 88, 400_000, 10, undefined, 4],
  [5, 'start', 80, 380_000, undefined, 100_000, 4],
  [6, 'stop', 60, 0, undefined, 300_000, 4],
  [9, 'health', 55, 0, undefined, 310_000, 5],
]);

describe('analyzeMemory', () => {
  it('computes peak, per-step peaks, overlap, missed samples and OOM kills on a hand-made series', () => {
    const a = analyzeMemory(buildFirst, { intervalSeconds: 1 });
    expect(a).toMatchObject({
      source: 'cgroup',
      intervalSeconds: 1,
      peakPercent: 91.5,
      peakAt: { t: 3, host: 'h1', step: 'build' },
      overlapSeconds: 4, // t 2, 3, 4 (build RSS > 0) and 5 (new JVM)
      oomKills: 2, // 3 -> 4 -> 5
      missedSamples: 2,
      peakPerStep: { preflight: 40, build: 91.5, start: 80, stop: 60, health: 55 },
    });
    expect(a.samples).toHaveLength(buildFirst.length);
  });

  it('stop-first: the old JVM is gone before the build, overlap is 0', () => {
    const a = analyzeMemory(
      series('h1', [
        [0, 'stop', 45, 400_000],
        [1, 'stop', 20, 0],
        [2, 'build', 60, 0, 300_000],
        [3, 'start', 50, undefined, undefined, 250_000],
      ]),
      { intervalSeconds: 1 },
    );
    expect(a.overlapSeconds).toBe(0);
    expect(a.peakPercent).toBe(60);
    expect(a.missedSamples).toBe(0);
    expect(a.oomKills).toBe(0);
  });

  it('keeps hosts apart: gaps and counters per host, interleaved input, intervals other than 1 s', () => {
    const h1 = series('h1', [
      [0, 'build', 30, 100, 100, undefined, 10],
      [2, 'build', 35, 100, 100, undefined, 10],
      [10, 'build', 50, 0, 100, undefined, 11], // gap of 4 intervals: 3 missed
    ]);
    const h2 = series('h2', [
      [1, 'build', 77, 100, undefined, 5, 0],
      [3, 'build', 20, 100, undefined, 5, 2],
      [5, 'start', 21, 100, undefined, 0, 1], // counter went down: a reset, not negative kills
      [7, 'start', 22, 100, undefined, 0, 4],
    ]);
    const mixed = [...h1, ...h2].sort((a, b) => a.t - b.t);
    const a = analyzeMemory(mixed, { intervalSeconds: 2 });
    expect(a.missedSamples).toBe(3);
    expect(a.oomKills).toBe(1 + 2 + 3);
    expect(a.overlapSeconds).toBe((2 + 2) * 2); // h1: t 0, 2; h2: t 1, 3
    expect(a.peakAt).toEqual({ t: 1, host: 'h2', step: 'build' });
    expect(a.peakPerStep).toEqual({ build: 77, start: 22 });
  });

  it('reports mixed and empty sources, and rejects a bad interval', () => {
    const two = [...series('a', [[0, 'x', 1]], 'meminfo'), ...series('b', [[0, 'x', 2]], 'cgroup')];
    expect(analyzeMemory(two, { intervalSeconds: 1 }).source).toBe('mixed');
    const none = analyzeMemory([], { intervalSeconds: 1 });
    expect(none).toMatchObject({
      source: 'none',
      peakPercent: null,
      peakAt: null,
      overlapSeconds: 0,
      missedSamples: 0,
    });
    expect(() => analyzeMemory([], { intervalSeconds: 0 })).toThrow(RangeError);
  });
});

describe('stepSpans', () => {
  it('turns runs of one step into bands that meet at the next step', () => {
    expect(stepSpans(buildFirst, 1)).toEqual([
      { host: 'h1', step: 'preflight', from: 0, to: 1 },
      { host: 'h1', step: 'build', from: 1, to: 5 },
      { host: 'h1', step: 'start', from: 5, to: 6 },
      { host: 'h1', step: 'stop', from: 6, to: 7 },
      { host: 'h1', step: 'health', from: 9, to: 10 },
    ]);
  });
});
