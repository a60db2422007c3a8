// Pure: predicts each strategy's memory peak on a host before anything runs, from what the host
// holds now and what the build and the new JVM are expected to take (config, or the last report).
import type { Strategy } from '../runbook/types.ts';
import type { MemorySample } from '../sampler/parse.ts';
import { type BuildJvm, gradleBuildPeak } from './gradle.ts';

export type BudgetInput = {
  totalMb: number;
  /** Used now, the old JVM included. */
  usedMb: number;
  oldJvmMb: number;
  buildPeakMb: number;
  newJvmMb: number;
  warnPercent: number;
  source: string;
  /** Where the build runs (app.build.where); a local build takes nothing on the host. Default: host. */
  buildWhere?: 'host' | 'local';
  /** Where the build and new-JVM figures came from (budgetInputFrom). */
  from?: { build: InputSource; newJvm: InputSource };
  /** How a build figure from the release's Gradle files was made (src/memory/gradle.ts). */
  buildBasis?: string;
};

/** Every strategy gets a predicted peak: a new one in src/runbook/types.ts is a compile error here until it has one. */
export type BudgetStrategy = Strategy;
type PerStrategy<T> = Record<BudgetStrategy, T>;

export type Budget = {
  baseMb: number;
  peaks: PerStrategy<number>;
  percent: PerStrategy<number>;
  over: PerStrategy<boolean>;
};

const pct = (mb: number, total: number) => Math.round((mb / total) * 1000) / 10;

export function predictBudget(i: BudgetInput): Budget {
  // Not clipped at 0: a JVM's VmRSS counts file pages (libjvm.so, the JDK's modules image) that the
  // memory figure charges once or to another cgroup, so used - RSS can be below 0. Every JVM on the
  // box maps the same pages, so each JVM's figure carries that over-count (at least -base): one JVM
  // at a time (stop-first) takes it off with the base; two at once take it off once more
  // (docs/memory.md, "The budget, predicted and measured").
  const baseMb = i.usedMb - i.oldJvmMb;
  const shared = Math.max(0, -baseMb);
  // stop-first: the old JVM is gone before the build, and the build ends before the new JVM starts.
  const stopFirst = baseMb + Math.max(i.buildPeakMb, i.newJvmMb);
  // build-first: the build runs beside the old JVM (the field write-up's 68 %).
  const buildFirst = baseMb + i.oldJvmMb + i.buildPeakMb - shared;
  // swap: the old JVM serves throughout; a host build runs beside it and ends before the new JVM
  // starts beside it (docs/memory.md, "The swap budget").
  const hostBuild = (i.buildWhere ?? 'host') === 'host' ? i.buildPeakMb : 0;
  const swap = baseMb + i.oldJvmMb + Math.max(hostBuild, i.newJvmMb) - shared;
  const peaks = { 'stop-first': stopFirst, 'build-first': buildFirst, swap };
  const each = <T>(f: (s: BudgetStrategy) => T) =>
    ({ 'stop-first': f('stop-first'), 'build-first': f('build-first'), swap: f('swap') }) as PerStrategy<T>;
  const percent = each((s) => pct(peaks[s], i.totalMb));
  return {
    baseMb,
    peaks: each((s) => Math.round(peaks[s])),
    percent,
    over: each((s) => percent[s] > i.warnPercent),
  };
}

export const REMEDIES = [
  'cap the heap (-Xmx, or -XX:MaxRAMPercentage=60 so the JVM does not size itself to 1/4 of RAM and grow)',
  'add swap (EC2 instances have none by default: a 1-2 GiB swap file absorbs a build peak)',
  "build elsewhere and upload the artifact (app.build.where: 'local', or build in CI)",
];

/** When no strategy fits a single instance: the remedies above, and a second instance. */
export const SINGLE_INSTANCE_REMEDIES = [
  ...REMEDIES,
  'add an instance to the target group (then stop-first drains one while the other serves)',
];

export function describeBudget(host: string, b: Budget, i: BudgetInput, strategy: BudgetStrategy): string {
  return `${host}: predicted peak ${b.percent[strategy]} % with ${strategy} (${b.peaks[strategy]} of ${Math.round(i.totalMb)} MB, ${i.source}; build-first would be ${b.percent['build-first']} %, stop-first ${b.percent['stop-first']} %, swap ${b.percent.swap} %): base ${Math.round(b.baseMb)} MB + old JVM ${Math.round(i.oldJvmMb)} MB, build ${Math.round(i.buildPeakMb)} MB${i.from ? ` (${buildSource(i)})` : ''}, new JVM ${Math.round(i.newJvmMb)} MB${i.from ? ` (${i.from.newJvm})` : ''}`;
}

/** Where the build figure came from, in words: the plan and the warnings say it. */
export function buildSource(i: BudgetInput): string {
  const from = i.from?.build;
  if (from === 'gradle') return i.buildBasis ?? 'gradle';
  return from === 'host' ? 'the last build on this host' : (from ?? 'default');
}

export type InputSource = 'config' | 'host' | 'report' | 'gradle' | 'default' | 'old JVM';

/**
 * What the budget needs, from a host's first sample and the memory config. The build and the new
 * JVM: the config's figure, else what the last deploy measured on this host (kept there, see
 * src/remote/peaks.ts), else the previous report here; else for the build what the release's
 * Gradle files declare (src/memory/gradle.ts), else 450 MB; for the new JVM, the old JVM's RSS.
 */
export function budgetInputFrom(
  first: MemorySample,
  memory: { buildPeakMb?: number | undefined; newJvmMb?: number | undefined; warnPercent: number },
  buildWhere: 'host' | 'local',
  previous: MemorySample[],
  host: { buildMb?: number; newJvmMb?: number } = {},
  gradle?: BuildJvm[],
): BudgetInput {
  const mine = previous.filter((s) => s.host === first.host);
  const maxOf = (key: 'buildRssKb' | 'newRssKb') => Math.max(0, ...mine.map((s) => s[key] ?? 0)) / 1024;
  const oldJvmMb = (first.oldRssKb ?? 0) / 1024;
  const pick = (config: number | undefined, onHost: number | undefined, report: number, fallback: number) =>
    config !== undefined
      ? ([config, 'config'] as const)
      : onHost
        ? ([onHost, 'host'] as const)
        : report
          ? ([report, 'report'] as const)
          : ([fallback, undefined] as const);
  const totalMb = first.totalKb / 1024;
  const declared = gradle ? gradleBuildPeak(gradle, totalMb) : undefined;
  const [buildPeakMb, picked] = pick(
    memory.buildPeakMb,
    host.buildMb,
    maxOf('buildRssKb'),
    declared?.mb ?? 450,
  );
  const buildFrom = picked ?? (declared ? 'gradle' : 'default');
  const [newJvmMb, newJvmFrom] = pick(memory.newJvmMb, host.newJvmMb, maxOf('newRssKb'), oldJvmMb);
  return {
    totalMb,
    usedMb: first.usedKb / 1024,
    oldJvmMb,
    buildPeakMb,
    newJvmMb,
    warnPercent: memory.warnPercent,
    source: first.source === 'cgroup' ? 'cgroup limit' : 'MemTotal',
    buildWhere,
    from: { build: buildFrom, newJvm: newJvmFrom ?? 'old JVM' },
    ...(buildFrom === 'gradle' && declared ? { buildBasis: declared.basis } : {}),
  };
}
