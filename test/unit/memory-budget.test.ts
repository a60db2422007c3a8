import { describe, expect, it } from 'vitest';
import { memorySection } from '../../src/cli/commands/sampling.ts';
import { analyzeMemory } from '../../src/memory/analysis.ts';
import { budgetInputFrom, describeBudget, predictBudget } from '../../src/memory/budget.ts';
import { gradleBuildJvms } from '../../src/memory/gradle.ts';
import { summaryMarkdown } from '../../src/report/summary.ts';

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
    expect(b.peaks).toEqual({ 'stop-first': 650, 'build-first': 950, swap: 950 });
    expect(b.percent).toEqual({ 'stop-first': 65, 'build-first': 95, swap: 95 });
    expect(b.over).toEqual({ 'stop-first': false, 'build-first': true, swap: true });
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

describe('the swap budget: both JVMs at once, the build beside the old one when it runs on the host', () => {
  it('local build: base + old + new', () => {
    const b = predictBudget({ ...field, buildWhere: 'local' });
    expect(b.peaks.swap).toBe(800);
    expect(b.percent.swap).toBe(80);
    expect(b.over.swap).toBe(false);
  });
  it('host build: base + old + the larger of build and new (the build ends before the new JVM starts)', () => {
    const b = predictBudget({ ...field, buildWhere: 'host' });
    expect(b.peaks.swap).toBe(950);
    expect(b.over.swap).toBe(true);
    expect(predictBudget({ ...field, buildWhere: 'host', buildPeakMb: 100 }).peaks.swap).toBe(800);
  });
  it('stop-first and build-first stay as they were', () => {
    const b = predictBudget(field);
    expect([b.peaks['stop-first'], b.peaks['build-first']]).toEqual([650, 950]);
  });
});

describe('the budget inputs: measured on the host before the report before the default', () => {
  const first = {
    t: 0,
    host: 'h1',
    usedPercent: 29,
    swapUsedPercent: 0,
    step: 'queued',
    source: 'cgroup' as const,
    usedKb: 294 * 1024,
    totalKb: 1024 * 1024,
    oldRssKb: 309 * 1024,
  };
  const memory = { warnPercent: 90 };
  const report = [{ ...first, t: 9, newRssKb: 300 * 1024, buildRssKb: 480 * 1024 }];
  it('first deploy: the default build and the old JVM as the new one', () => {
    const i = budgetInputFrom(first, memory, 'host', []);
    expect([i.buildPeakMb, i.newJvmMb, i.from]).toEqual([450, 309, { build: 'default', newJvm: 'old JVM' }]);
  });
  it("the host's record wins over the previous report, the config over both", () => {
    const peaks = { buildMb: 516, newJvmMb: 308 };
    expect(budgetInputFrom(first, memory, 'host', report).from).toEqual({
      build: 'report',
      newJvm: 'report',
    });
    const i = budgetInputFrom(first, memory, 'host', report, peaks);
    expect([i.buildPeakMb, i.newJvmMb, i.from]).toEqual([516, 308, { build: 'host', newJvm: 'host' }]);
    const c = budgetInputFrom(first, { ...memory, buildPeakMb: 400 }, 'host', report, peaks);
    expect([c.buildPeakMb, c.from?.build]).toEqual([400, 'config']);
  });
  it("the old JVM's RSS above what the cgroup charges (shared file pages) gives a negative base, not 0", () => {
    // The swap run in the sandbox: used 294 MB with the old JVM at 309 MB, then the old JVM beside a
    // 516 MB build measured 76.6-81.3 %; clipping the base at 0 put the prediction 15 MB higher.
    const b = predictBudget(budgetInputFrom(first, memory, 'host', [], { buildMb: 516, newJvmMb: 308 }));
    expect(b.baseMb).toBe(-15);
    // The build's RSS carries the same over-count as the old JVM's (the same JDK files): two JVMs at
    // once take it off twice, -15 + 309 + 516 - 15; one at a time (stop-first) once, -15 + 516.
    expect(b.peaks.swap).toBe(795);
    expect(b.peaks['build-first']).toBe(795);
    expect(b.peaks['stop-first']).toBe(501);
  });
  it('a positive base says nothing about the over-count: nothing more comes off', () => {
    const b = predictBudget({ ...field, usedMb: 500, oldJvmMb: 300 });
    expect([b.baseMb, b.peaks.swap]).toEqual([200, 950]);
  });

  // Before any build was measured: what the release's gradle.properties declares (src/memory/gradle.ts).
  describe('the budget takes the declared figure when nothing measured it', () => {
    const declared = gradleBuildJvms({
      properties: 'org.gradle.jvmargs=-Xmx528m -XX:+UseSerialGC -Xmn32m\n',
      scripts: [],
    });
    it('first deploy: the build figure from gradle.properties, and the plan says so', () => {
      const i = budgetInputFrom(first, memory, 'host', [], {}, declared);
      expect([i.buildPeakMb, i.from?.build]).toEqual([528, 'gradle']);
      expect(describeBudget('h1', predictBudget(i), i, 'swap')).toContain(
        'build 528 MB (Gradle daemon -Xmx528m from gradle.properties)',
      );
      // Gradle's default when the file sets nothing: 512 MB of heap.
      const d = budgetInputFrom(
        first,
        memory,
        'host',
        [],
        {},
        gradleBuildJvms({ properties: '', scripts: [] }),
      );
      expect([d.buildPeakMb, d.buildBasis]).toEqual([512, "Gradle daemon -Xmx512m from Gradle's default"]);
    });
    it('memory.buildPeakMb overrides it', () => {
      const i = budgetInputFrom(first, { ...memory, buildPeakMb: 700 }, 'host', [], {}, declared);
      expect([i.buildPeakMb, i.from?.build, i.buildBasis]).toEqual([700, 'config', undefined]);
    });
    it("what an earlier build measured wins over it: the host's record, else the last report", () => {
      const host = budgetInputFrom(first, memory, 'host', [], { buildMb: 529 }, declared);
      expect([host.buildPeakMb, host.from?.build]).toEqual([529, 'host']);
      expect(describeBudget('h1', predictBudget(host), host, 'swap')).toContain(
        'build 529 MB (the last build on this host)',
      );
      const report = [{ ...first, t: 9, buildRssKb: 520 * 1024 }];
      const r = budgetInputFrom(first, memory, 'host', report, {}, declared);
      expect([r.buildPeakMb, r.from?.build]).toEqual([520, 'report']);
    });
    it('nothing declared and nothing measured: the flat default', () => {
      const i = budgetInputFrom(first, memory, 'host', [], {}, undefined);
      expect([i.buildPeakMb, i.from?.build]).toEqual([450, 'default']);
    });
  });
});

describe('the budget in the report: predicted beside measured (issue 12, item 20)', () => {
  const sample = (host: string, t: number, usedPercent: number) => ({
    t,
    host,
    step: 'build',
    usedPercent,
    swapUsedPercent: 0,
    source: 'cgroup' as const,
    usedKb: 1,
    totalKb: 2,
  });
  const budgets = [
    {
      host: 'a',
      strategy: 'stop-first' as const,
      predictedPercent: 58.1,
      predictedMb: 595,
      totalMb: 1024,
      oldJvmMb: 295,
      baseMb: 0,
      buildMb: 450,
      buildFrom: 'default',
      newJvmMb: 295,
      newJvmFrom: 'old JVM',
    },
    {
      host: 'b',
      strategy: 'stop-first' as const,
      predictedPercent: 57.3,
      predictedMb: 587,
      totalMb: 1024,
      oldJvmMb: 293,
      baseMb: -5,
      buildMb: 516,
      buildFrom: 'host',
      newJvmMb: 308,
      newJvmFrom: 'host',
    },
  ];
  const memory = analyzeMemory(
    [sample('a', 0, 40), sample('a', 1, 59.94), sample('b', 0, 61.2), sample('b', 1, 30)],
    {
      intervalSeconds: 1,
    },
  );

  it('report.memory.budget: each host with its prediction and its own measured peak', () => {
    expect(memorySection(memory, budgets).budget).toEqual([
      { ...budgets[0], measuredPeakPercent: 59.9 },
      { ...budgets[1], measuredPeakPercent: 61.2 },
    ]);
  });

  it('the summary prints both numbers per host', () => {
    const report = {
      version: 1,
      result: 'deployed',
      exitCode: 0,
      app: 'demo',
      releaseId: 'r2',
      strategy: 'stop-first',
      drainMode: 'termination',
      dryRun: false,
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:01:00.000Z',
      hosts: [],
      memory: memorySection(memory, budgets),
    } as const;
    const md = summaryMarkdown(report as never);
    expect(md).toContain('- a: predicted **58.1 %** (stop-first, 595 of 1024 MB), measured peak **59.9 %**');
    expect(md).toContain(
      '- b: predicted **57.3 %** (stop-first, 587 of 1024 MB), measured peak **61.2 %**; build 516 MB (host), new JVM 308 MB (host)',
    );
  });
});
