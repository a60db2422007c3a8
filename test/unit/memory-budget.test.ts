import { describe, expect, it } from 'vitest';
import { describeBudget, predictBudget } from '../../src/memory/budget.ts';

// The field numbers: 1 GiB box, ~200 MB of OS and agents, a 300 MB JVM, a 450 MB Gradle build.
const field = {
  totalMb: 1000,
  usedMb: 500,
  oldJvmMb: 300,
  buildPeakMb: 450,
  newJvmMb: 300,
  warnPercent: 90,
  source: 'meminfo',
};

describe('memory budget', () => {
  it('stop-first never adds the old JVM to the build; build-first does', () => {
    const b = predictBudget(field);
    expect(b.baseMb).toBe(200);
    expect(b.peaks).toEqual({ 'stop-first': 650, 'build-first': 950 });
    expect(b.percent).toEqual({ 'stop-first': 65, 'build-first': 95 });
    expect(b.over).toEqual({ 'stop-first': false, 'build-first': true });
  });
  it('the new JVM can be the larger half of stop-first', () => {
    expect(predictBudget({ ...field, newJvmMb: 600 }).peaks['stop-first']).toBe(800);
  });
  it('describes the prediction with its terms', () => {
    expect(describeBudget('h1', predictBudget(field), field, 'build-first')).toMatch(
      /h1: predicted peak 95 % with build-first \(950 of 1000 MB, meminfo; .*base 200 MB \+ old JVM 300 MB, build 450 MB/,
    );
  });
});
