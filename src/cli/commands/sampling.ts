// Wires the memory sampler into a run: one per host for the deploy's duration, then the analysis.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployConfig } from '../../config/schema.ts';
import { UsageError } from '../../errors.ts';
import type { Executor } from '../../executors/types.ts';
import { analyzeMemory, type MemoryAnalysis } from '../../memory/analysis.ts';
import { describeBudget, predictBudget, REMEDIES } from '../../memory/budget.ts';
import { type SamplerRun, startSampler } from '../../memory/collect.ts';
import * as c from '../../remote/commands.ts';
import { layout } from '../../remote/layout.ts';
import type { MemorySection } from '../../report/report.ts';
import type { MemorySample } from '../../sampler/parse.ts';

export async function beginSampling(
  exec: Executor,
  host: string,
  config: DeployConfig,
  startEpochMs: number,
): Promise<SamplerRun> {
  const l = layout(config.app.dir);
  await exec.run(c.resetMarks(l, 'queued'));
  return startSampler(exec, {
    host,
    marksDir: l.marks,
    intervalSeconds: config.memory.intervalSeconds,
    source: config.memory.source,
    ...(config.memory.cgroupPath ? { cgroupPath: config.memory.cgroupPath } : {}),
    startEpochMs,
  });
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

export function memorySection(a: MemoryAnalysis): MemorySection {
  return {
    source: a.source,
    intervalSeconds: a.intervalSeconds,
    peakPercent: a.peakPercent,
    overlapSeconds: a.overlapSeconds,
    oomKills: a.oomKills,
    peakAt: a.peakAt,
    peakPerStep: a.peakPerStep,
    missedSamples: a.missedSamples,
    samples: a.samples as unknown as Record<string, unknown>[],
  };
}

/**
 * The memory budget preflight: from the host's first sample (total, used, the old JVM's RSS) and
 * the expected build and new-JVM sizes, predicts each strategy's peak. Warns, or with --strict refuses.
 */
export async function checkBudget(opts: {
  sampler: SamplerRun;
  config: DeployConfig;
  previous: MemorySample[];
  strict: boolean;
  warn: (message: string) => void;
}): Promise<void> {
  const first = await opts.sampler.first(5000);
  if (!first)
    return opts.warn(`${opts.sampler.host}: no memory sample within 5 s; memory budget not checked`);
  const mine = opts.previous.filter((s) => s.host === opts.sampler.host);
  const maxOf = (key: 'buildRssKb' | 'newRssKb') => Math.max(0, ...mine.map((s) => s[key] ?? 0)) / 1024;
  const oldJvmMb = (first.oldRssKb ?? 0) / 1024;
  const input = {
    totalMb: first.totalKb / 1024,
    usedMb: first.usedKb / 1024,
    oldJvmMb,
    buildPeakMb: opts.config.memory.buildPeakMb ?? (maxOf('buildRssKb') || 450),
    newJvmMb: opts.config.memory.newJvmMb ?? (maxOf('newRssKb') || oldJvmMb),
    warnPercent: opts.config.memory.warnPercent,
    source: first.source === 'cgroup' ? 'cgroup limit' : 'MemTotal',
  };
  const budget = predictBudget(input);
  const strategy = opts.config.strategy;
  if (!budget.over[strategy]) return;
  const message = `${describeBudget(opts.sampler.host, budget, input, strategy)}; above ${opts.config.memory.warnPercent} %. Remedies: ${REMEDIES.join('; ')}${strategy === 'build-first' && !budget.over['stop-first'] ? "; or use strategy 'stop-first'" : ''}`;
  if (opts.strict) throw new UsageError(`${message} (refused: --strict)`);
  opts.warn(message);
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
