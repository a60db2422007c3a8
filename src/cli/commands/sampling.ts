// Wires the memory sampler into a run: one per host for the deploy's duration, then the analysis.
import type { DeployConfig } from '../../config/schema.ts';
import type { Executor } from '../../executors/types.ts';
import { analyzeMemory, type MemoryAnalysis } from '../../memory/analysis.ts';
import { type SamplerRun, startSampler } from '../../memory/collect.ts';
import * as c from '../../remote/commands.ts';
import { layout } from '../../remote/layout.ts';
import type { MemorySection } from '../../report/report.ts';

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
