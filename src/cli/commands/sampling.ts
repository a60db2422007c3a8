// Wires the memory sampler into a run: one per host for the deploy's duration, then the analysis.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployConfig } from '../../config/schema.ts';
import { UsageError } from '../../errors.ts';
import type { Executor } from '../../executors/types.ts';
import { analyzeMemory, type MemoryAnalysis } from '../../memory/analysis.ts';
import {
  type BudgetStrategy,
  budgetInputFrom,
  describeBudget,
  predictBudget,
  REMEDIES,
} from '../../memory/budget.ts';
import { type SamplerRun, startSampler } from '../../memory/collect.ts';
import type { BuildJvm } from '../../memory/gradle.ts';
import { analyzeOverlap } from '../../memory/overlap.ts';
import * as c from '../../remote/commands.ts';
import { layout } from '../../remote/layout.ts';
import { type HostPeaks, parsePeaks, readPeaks, writePeaks } from '../../remote/peaks.ts';
import type { MemorySection } from '../../report/report.ts';
import type { MemorySample } from '../../sampler/parse.ts';
import { concrete } from '../../strategy/auto.ts';

/**
 * Starts a host's sampler (only under our lock). The old JVM is found first and its PID marked, so
 * the very first sample, which the budget reads, already holds its RSS (found by PID file or port).
 */
export async function beginSampling(
  exec: Executor,
  host: string,
  config: DeployConfig,
  startEpochMs: number,
  warn: (message: string) => void = () => undefined,
): Promise<SamplerRun> {
  const l = layout(config.app.dir);
  const reset = await exec.run(c.resetMarks(l, 'queued'));
  if (reset.stdout.trim()) warn(reset.stdout.trim());
  const found = (await exec.run(c.findJvm(l, config.app.port))).stdout.trim().split('\n')[0] ?? '';
  const [how, pid] = found.split(' ');
  if (pid && (how === 'pidfile' || how === 'port')) await exec.run(c.mark(l, 'old.pid', pid));
  return startSampler(exec, {
    host,
    marksDir: l.marks,
    intervalSeconds: config.memory.intervalSeconds,
    source: config.memory.source,
    ...(config.memory.cgroupPath ? { cgroupPath: config.memory.cgroupPath } : {}),
    startEpochMs,
  });
}

/** Ends samplers without analysing them (a deploy refused before its first host). */
export async function stopSampling(samplers: SamplerRun[]): Promise<void> {
  await Promise.all(samplers.map((s) => s.stop().catch(() => undefined)));
}

export async function finishSampling(
  samplers: SamplerRun[],
  intervalSeconds: number,
): Promise<MemoryAnalysis | null> {
  if (samplers.length === 0) return null;
  const results = await Promise.all(samplers.map((s) => s.stop()));
  return analyzeMemory(
    results.flatMap((r) => r.samples),
    { intervalSeconds },
  );
}

/** What the budget predicted for a host, kept for the report beside what was measured. */
export type BudgetRecord = {
  host: string;
  strategy: BudgetStrategy;
  predictedPercent: number;
  predictedMb: number;
  totalMb: number;
  oldJvmMb: number;
  /** The terms beside the old JVM, and where each came from (config, host, report, gradle, default). */
  baseMb: number;
  buildMb: number;
  buildFrom: string;
  /** buildFrom 'gradle': the flags and files the figure was made from. */
  buildBasis?: string;
  newJvmMb: number;
  newJvmFrom: string;
};

export function memorySection(
  a: MemoryAnalysis,
  budgets: BudgetRecord[] = [],
  strategy = 'stop-first',
): MemorySection {
  return {
    source: a.source,
    intervalSeconds: a.intervalSeconds,
    peakPercent: a.peakPercent,
    overlapSeconds: a.overlapSeconds,
    overlap: analyzeOverlap(a.samples, a.intervalSeconds, strategy),
    oomKills: a.oomKills,
    peakAt: a.peakAt,
    peakPerStep: a.peakPerStep,
    missedSamples: a.missedSamples,
    ...(budgets.length ? { budget: budgetVsMeasured(a, budgets) } : {}),
    samples: a.samples as unknown as Record<string, unknown>[],
  };
}

/** Per host: the budget's predicted peak and the peak the sampler measured on that host. */
export function budgetVsMeasured(a: MemoryAnalysis, budgets: BudgetRecord[]) {
  return budgets.map((b) => {
    const mine = a.samples.filter((s) => s.host === b.host).map((s) => s.usedPercent);
    const measured = mine.length ? Math.round(Math.max(...mine) * 10) / 10 : null;
    return { ...b, measuredPeakPercent: measured };
  });
}

/**
 * The memory budget preflight: from the host's first sample (total, used, the old JVM's RSS) and
 * the expected build and new-JVM sizes, predicts each strategy's peak. Warns, or with --strict refuses.
 */
export async function checkBudget(opts: {
  sampler: SamplerRun;
  config: DeployConfig;
  previous: MemorySample[];
  /** What the last deploy measured on this host (src/remote/peaks.ts). */
  hostPeaks?: HostPeaks;
  /** What the release's Gradle files declare (src/cli/commands/gradle-files.ts). */
  gradle?: BuildJvm[] | undefined;
  strict: boolean;
  warn: (message: string) => void;
}): Promise<BudgetRecord | undefined> {
  const first = await opts.sampler.first(5000);
  if (!first) {
    opts.warn(`${opts.sampler.host}: no memory sample within 5 s; memory budget not checked`);
    return undefined;
  }
  const input = budgetInputFrom(
    first,
    opts.config.memory,
    opts.config.app.build.where,
    opts.previous,
    opts.hostPeaks,
    opts.gradle,
  );
  const oldJvmMb = input.oldJvmMb;
  const budget = predictBudget(input);
  const strategy = concrete(opts.config.strategy);
  const record: BudgetRecord = {
    host: opts.sampler.host,
    strategy,
    predictedPercent: budget.percent[strategy],
    predictedMb: budget.peaks[strategy],
    totalMb: Math.round(input.totalMb),
    oldJvmMb: Math.round(oldJvmMb),
    baseMb: Math.round(budget.baseMb),
    buildMb: Math.round(input.buildPeakMb),
    buildFrom: input.from?.build ?? 'default',
    ...(input.buildBasis ? { buildBasis: input.buildBasis } : {}),
    newJvmMb: Math.round(input.newJvmMb),
    newJvmFrom: input.from?.newJvm ?? 'old JVM',
  };
  if (!budget.over[strategy]) return record;
  const message = `${describeBudget(opts.sampler.host, budget, input, strategy)}; above ${opts.config.memory.warnPercent} %. Remedies: ${REMEDIES.join('; ')}${strategy === 'build-first' && !budget.over['stop-first'] ? "; or use strategy 'stop-first'" : ''}`;
  if (opts.strict) throw new UsageError(`${message} (refused: --strict)`);
  opts.warn(message);
  return record;
}

/** Samples of the previous deploy, from the report it left in the report dir. */
export function previousSamples(reportDir: string): MemorySample[] {
  try {
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as {
      memory?: { samples?: MemorySample[] };
    };
    return report.memory?.samples ?? [];
  } catch {
    return [];
  }
}

/** What the last deploy measured on the host, or nothing (no record, or it cannot be read). */
export async function readHostPeaks(exec: Executor, config: DeployConfig): Promise<HostPeaks> {
  const r = await exec.run(readPeaks(layout(config.app.dir))).catch(() => undefined);
  return r?.code === 0 ? parsePeaks(r.stdout) : {};
}

/**
 * Keeps on the host what its build and new JVM took in this deploy (the sampler's series so far),
 * for the next deploy's budget. Best effort: a failed write costs only the next prediction.
 */
export async function recordHostPeaks(
  exec: Executor,
  config: DeployConfig,
  sampler: SamplerRun | undefined,
  release: string,
): Promise<void> {
  const p = sampler?.peaks?.();
  if (!p || (p.buildKb <= 0 && p.newKb <= 0)) return;
  const old = await readHostPeaks(exec, config);
  const mb = (kb: number, before?: number) => (kb > 0 ? Math.round(kb / 1024) : before);
  const peaks: HostPeaks = { at: new Date().toISOString(), release };
  const buildMb = mb(p.buildKb, old.buildMb);
  const newJvmMb = mb(p.newKb, old.newJvmMb);
  if (buildMb) peaks.buildMb = buildMb;
  if (newJvmMb) peaks.newJvmMb = newJvmMb;
  await exec.run(writePeaks(layout(config.app.dir), peaks)).catch(() => undefined);
}
