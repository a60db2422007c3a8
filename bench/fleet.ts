// Fleets on one machine: total deploy time for 4, 8 and 12 hosts at batch sizes 1, 25 % and 50 %,
// side by side in one run, with what the laptop pays (the CLI process's own CPU time and peak RSS;
// the local build it runs once is its own process, not counted) and each host's own time. The sandbox's small hosts (up --heap-mb 16) behind the
// 3-node ALB model (propagation 1-3 s, checks every 1 s) under 40 req/s, deregister mode, a jar built
// once locally (test/sandbox/_fleet.ts); every run must end with 0 failed requests. The bar:
// 12 hosts in batches of 25 % take at most a third of the time one at a time takes.
// Needs root. About 15 minutes; --smoke (4 hosts, batches of 1 and 50 %) about 3.
// Usage: node bench/fleet.ts [--smoke] [--hosts 4,8,12] [--batches 1,25%,50%]
//        node bench/fleet.ts --rows   (the README rows again from the committed samples; runs nothing)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { formatLoad } from '../scripts/sandbox/load.ts';
import { readState, type SandboxState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { readReport } from '../test/helpers/deploy-sandbox.ts';
import { underAlbLoad } from '../test/sandbox/_alb.ts';
import { fleetConfig, fleetEnv, fleetSource, fleetUp } from '../test/sandbox/_fleet.ts';
import { type FleetSample, fleetRows, fleetSummary } from './lib/fleet-rows.ts';
import { isSmoke, ROOT, readResults, resultsPath, writeResults } from './lib/results.ts';
import { median, ratio, round } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean' },
    rows: { type: 'boolean' },
    hosts: { type: 'string' },
    batches: { type: 'string' },
  },
});
const smoke = isSmoke();
const sizes = (values.hosts ?? (smoke ? '4' : '4,8,12')).split(',').map(Number);
const batchSizes = (values.batches ?? (smoke ? '1,50%' : '1,25%,50%'))
  .split(',')
  .map((b) => (b.endsWith('%') ? b : Number(b)));
const RATE = 40;
const MIN_HEALTHY = '50%';

/** `deploy run` with the CLI process's own CPU time and peak RSS (bench/lib/usage-at-exit.mjs). */
function timedRun(
  dir: string,
): Promise<{ code: number | null; wallS: number; cpuS: number; rssMiB: number; out: string }> {
  const usageFile = join(dir, 'usage.json');
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', join(ROOT, 'bench/lib/usage-at-exit.mjs'), join(ROOT, 'bin/deploy.js'), 'run', '--yes'],
    {
      cwd: dir,
      env: { ...process.env, ...fleetEnv, NO_COLOR: '1', HANDOFF_USAGE_OUT: usageFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const usage = existsSync(usageFile)
        ? (JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuMs: number; maxRssKb: number })
        : undefined;
      resolve({
        code,
        wallS: round((performance.now() - t0) / 1000),
        cpuS: usage ? round(usage.cpuMs / 1000, 2) : Number.NaN,
        rssMiB: usage ? round(usage.maxRssKb / 1024) : Number.NaN,
        out,
      });
    }),
  );
}

async function one(state: SandboxState, hosts: number, batchSize: number | string) {
  const { dir } = fleetConfig(state, {
    source: fleetSource(),
    rollout: { batchSize, minHealthy: MIN_HEALTHY },
    hosts,
  });
  const { value: run, load } = await underAlbLoad(state, () => timedRun(dir), RATE);
  if (run.code !== 0) throw new Error(`${hosts} hosts, batch ${batchSize}: exit ${run.code}\n${run.out}`);
  if (load.failed !== 0) throw new Error(`${hosts} hosts, batch ${batchSize}: ${formatLoad(load)}`);
  const perHost = readReport(dir).hosts.map(
    (h) => (Date.parse(h.steps.at(-1)!.endedAt) - Date.parse(h.steps[0]!.startedAt)) / 1000,
  );
  const sample = {
    hosts,
    batchSize,
    totalS: run.wallS,
    cliCpuS: run.cpuS,
    cliPeakRssMiB: run.rssMiB,
    perHostS: perHost.map((s) => round(s)),
    perHostMedianS: round(median(perHost)),
    requests: load.total,
    failed: load.failed,
  };
  console.log(
    `${String(hosts).padStart(2)} hosts, batch ${String(batchSize).padEnd(4)}: total ${run.wallS.toFixed(1)} s, per host ${sample.perHostMedianS} s (median), CLI CPU ${run.cpuS} s, peak RSS ${run.rssMiB} MiB; ${load.failed} failed of ${load.total}`,
  );
  return sample;
}

/** The figures again from the committed samples (after a change to how they are worded). */
function rewriteRows(): void {
  const file = resultsPath('fleet', false);
  const results = readResults(file);
  const samples = results.samples as FleetSample[];
  const updated = { ...results, summary: fleetSummary(samples), readme: fleetRows(samples) };
  writeFileSync(file, `${JSON.stringify(updated, null, 2)}\n`);
  regenerateReadme();
  console.log(`rows rewritten from the samples of ${results.date}: ${file}`);
}

async function measure(): Promise<void> {
  if (isUp(readState())) await sandboxDown();
  const samples: Awaited<ReturnType<typeof one>>[] = [];
  try {
    const state = await sandboxUp(fleetUp(Math.max(...sizes)));
    for (const hosts of sizes) for (const b of batchSizes) samples.push(await one(state, hosts, b));
  } finally {
    await sandboxDown();
  }
  console.log('\nhosts   batch    total s   per host s   CLI CPU s   peak RSS MiB   total / one at a time');
  for (const s of samples) {
    const serial = samples.find((x) => x.hosts === s.hosts && x.batchSize === 1);
    console.log(
      `${String(s.hosts).padStart(5)}   ${String(s.batchSize).padEnd(6)} ${s.totalS.toFixed(1).padStart(8)} ${String(s.perHostMedianS).padStart(12)} ${s.cliCpuS.toFixed(2).padStart(11)} ${String(s.cliPeakRssMiB).padStart(14)}   ${serial ? ratio(s.totalS, serial.totalS).toFixed(2) : '-'}`,
    );
  }
  const big = Math.max(...sizes);
  const file = writeResults(
    'fleet',
    {
      settings: { hosts: sizes, batchSizes, minHealthy: MIN_HEALTHY, rate: RATE, up: fleetUp(big) },
      samples,
      summary: fleetSummary(samples),
      readme: fleetRows(samples),
    },
    { smoke },
  );
  if (!smoke) regenerateReadme();
  console.log(`results: ${file}`);
}

if (values.rows) rewriteRows();
else await measure();
