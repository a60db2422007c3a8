// `deploy sample --host NAME [--duration S] [--out FILE]`: the memory sampler alone on one host,
// e.g. to see what the app and a build take before the first deploy.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import { EXIT, UsageError } from '../../errors.ts';
import { analyzeMemory } from '../../memory/analysis.ts';
import { startSampler } from '../../memory/collect.ts';
import { layout } from '../../remote/layout.ts';
import { memoryCsv } from '../../report/memory-csv.ts';
import { renderTerminalChart } from '../../report/terminal-chart.ts';
import type { Io } from '../io.ts';
import { configuredHosts, connectHost } from './connect.ts';

export async function sampleCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const name = (values.host as string | undefined)?.trim();
  if (!name || name.includes(','))
    throw new UsageError(
      `deploy sample takes one host name: --host NAME${values.host === undefined ? '' : ` (got '${values.host}')`}`,
    );
  const duration = Number(values.duration ?? 60);
  if (!Number.isInteger(duration) || duration < 1)
    throw new UsageError(`--duration must be a whole number of seconds >= 1, got '${values.duration}'`);
  const { config } = await loadConfig({
    cwd: io.cwd,
    file: values.config as string | undefined,
    environment: values.env as string | undefined,
  });
  const [host] = await configuredHosts(config, io, name);
  const exec = await connectHost(config, host!, io.cwd);
  const started = Date.now();
  const sampler = startSampler(exec, {
    host: host!.name,
    marksDir: layout(config.app.dir).marks,
    intervalSeconds: config.memory.intervalSeconds,
    source: config.memory.source,
    ...(config.memory.cgroupPath ? { cgroupPath: config.memory.cgroupPath } : {}),
    startEpochMs: started,
  });
  const stop = () => void sampler.stop();
  process.once('SIGINT', stop);
  try {
    await new Promise((r) => setTimeout(r, duration * 1000));
    const { samples, errors } = await sampler.stop();
    const analysis = analyzeMemory(samples, { intervalSeconds: config.memory.intervalSeconds });
    if (values.out) writeFileSync(resolve(io.cwd, values.out as string), memoryCsv(samples));
    if (values.json)
      io.stdout.write(`${JSON.stringify({ version: 1, host: host!.name, ...analysis }, null, 2)}\n`);
    else {
      io.stdout.write(renderTerminalChart(analysis));
      io.stdout.write(
        `${samples.length} samples from ${host!.name} (${analysis.source}); peak ${analysis.peakPercent ?? '-'} %, OOM kills ${analysis.oomKills}${values.out ? `; CSV: ${values.out}` : ''}\n`,
      );
    }
    for (const e of errors) io.stderr.write(`sampler: ${e}\n`);
    return samples.length > 0 ? EXIT.deployed : EXIT.failed;
  } finally {
    process.off('SIGINT', stop);
    await exec.close();
  }
}
