// Planned vs unplanned overlap (issue 14): a swap's window is shown as planned with its seconds,
// its peak and the OOM kills in it; stop-first still proves 0 s. Hand-made series, numbers by hand.
import { describe, expect, it } from 'vitest';
import { memorySection } from '../../src/cli/commands/sampling.ts';
import { analyzeMemory } from '../../src/memory/analysis.ts';
import { analyzeOverlap } from '../../src/memory/overlap.ts';
import { summaryMarkdown } from '../../src/report/summary.ts';
import type { MemorySample } from '../../src/sampler/parse.ts';

type Row = [t: number, step: string, used: number, old?: number, build?: number, nw?: number, oom?: number];

const series = (host: string, rows: Row[]): MemorySample[] =>
  rows.map(([t, step, usedPercent, old, build, nw, oom]) => ({
    t,
    host,
    step,
    usedPercent,
    swapUsedPercent: 0,
    source: 'cgroup',
    usedKb: 0,
    totalKb: 1,
    ...(old !== undefined ? { oldRssKb: old } : {}),
    ...(build !== undefined ? { buildRssKb: build } : {}),
    ...(nw !== undefined ? { newRssKb: nw } : {}),
    ...(oom !== undefined ? { oomKillCounter: oom } : {}),
  }));

// A swap with the build on the host: the old JVM serves from t 0 to t 9; the build runs beside it
// (t 1-3), nothing else at t 4, the new JVM beside it from t 5 to t 8; the old JVM is gone at t 9.
const swap = series('h1', [
  [0, 'preflight', 29, 300],
  [1, 'build', 60, 300, 400],
  [2, 'build', 81.3, 300, 500],
  [3, 'build', 77, 300, 510],
  [4, 'start', 31, 300, 0, 0],
  [5, 'health', 55, 300, 0, 280],
  [6, 'settle', 59, 300, 0, 300],
  [7, 'wait', 61, 300, 0, 300],
  [8, 'stop', 61.4, 300, 0, 305],
  [9, 'stop', 29, 0, 0, 305],
]);

describe('the overlap window, planned or not', () => {
  it('a swap: two windows, 7 s, the peak during them and no OOM kill, shown as planned', () => {
    const o = analyzeOverlap(swap, 1, 'swap');
    expect(o).toEqual({
      planned: true,
      seconds: 7,
      peakPercent: 81.3,
      oomKills: 0,
      windows: [
        { host: 'h1', from: 1, to: 4 },
        { host: 'h1', from: 5, to: 9 },
      ],
    });
  });

  it('the same series under build-first is unplanned', () => {
    const o = analyzeOverlap(swap, 1, 'build-first');
    expect([o.planned, o.seconds]).toEqual([false, 7]);
  });

  it('stop-first still proves 0 s: no window, no peak, whatever the peak outside it', () => {
    const stopFirst = series('h1', [
      [0, 'preflight', 29, 300],
      [1, 'stop', 29, 300],
      [2, 'build', 58, 0, 500],
      [3, 'health', 33, 0, 0, 300],
    ]);
    const o = analyzeOverlap(stopFirst, 1, 'stop-first');
    expect(o).toEqual({ planned: false, seconds: 0, peakPercent: null, oomKills: 0, windows: [] });
  });

  it('counts an OOM kill only when it lands in the window, per host, at 0.5 s sampling', () => {
    const a = series('a', [
      [0, 'preflight', 30, 300, undefined, undefined, 4],
      [0.5, 'build', 99, 300, 600, undefined, 5], // killed during the overlap
      [1, 'build', 40, 300, 0, undefined, 5],
      [1.5, 'health', 35, 0, 0, 300, 6], // after the old JVM is gone: not the window's
    ]);
    const b = series('b', [
      [0, 'health', 50, 300, 0, 250, 0],
      [0.5, 'stop', 20, 0, 0, 260, 0],
    ]);
    const o = analyzeOverlap([...b, ...a], 0.5, 'swap');
    expect(o.seconds).toBe(1);
    expect(o.oomKills).toBe(1);
    expect(o.peakPercent).toBe(99);
    expect(o.windows).toEqual([
      { host: 'b', from: 0, to: 0.5 },
      { host: 'a', from: 0.5, to: 1 },
    ]);
  });
});

describe('the summary says planned or not', () => {
  const report = (strategy: string) => {
    const a = analyzeMemory(swap, { intervalSeconds: 1 });
    return {
      version: 1,
      result: 'deployed',
      exitCode: 0,
      app: 'demo',
      releaseId: 'r2',
      strategy,
      drainMode: 'deregister',
      dryRun: false,
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:01:00.000Z',
      hosts: [],
      memory: memorySection(a, [], strategy),
    };
  };
  it('a swap: the planned window with its numbers', () => {
    expect(summaryMarkdown(report('swap') as never)).toContain(
      'planned overlap (swap: old JVM beside the build and the new JVM, by design) **7 s**, peak **81.3 %** during it, OOM kills during it: **0**',
    );
  });
  it('the same samples under build-first: unplanned', () => {
    const md = summaryMarkdown(report('build-first') as never);
    expect(md).toContain('old and new JVM (or build) together for **7 s** (unplanned)');
    expect(md).not.toContain('planned overlap');
  });
});
