// Wall time of `deploy plan` on the example config, spawned as a user runs it (Node start-up,
// config load with type stripping, zod, plan, render). Target: under 0.5 s on the 2-core machine.
// Usage: node bench/plan.ts [--runs 15] [--smoke]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { isSmoke, ROOT, writeResults } from './lib/results.ts';
import { quantile, ratio, round } from './lib/stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string' }, smoke: { type: 'boolean' } } });
const smoke = isSmoke();
const runs = Number(values.runs ?? (smoke ? 3 : 15));
const target = 500;
const times: number[] = [];
for (let i = 0; i < runs + 1; i++) {
  const t0 = performance.now();
  execFileSync(process.execPath, [join(ROOT, 'bin/deploy.js'), 'plan'], { cwd: ROOT, stdio: 'pipe' });
  if (i > 0) times.push(round(performance.now() - t0)); // the first run warms the disk cache
}
const [median, p90] = [quantile(times, 0.5), quantile(times, 0.9)];
const [min, max] = [Math.min(...times), Math.max(...times)];
console.log(`deploy plan on deploy.config.ts, ${runs} runs (node ${process.versions.node})`);
console.log('            median     p90      min      max   target   median/target');
console.log(
  `wall ms  ${[median, p90, min, max, target].map((v) => v.toFixed(0).padStart(7)).join('  ')}     ${ratio(median, target).toFixed(2)}`,
);
const file = writeResults(
  'plan',
  {
    settings: { runs, config: 'deploy.config.ts', targetMs: target, warmupRuns: 1 },
    samples: times.map((ms) => ({ ms })),
    summary: {
      medianMs: median,
      p90Ms: p90,
      minMs: min,
      maxMs: max,
      medianOverTarget: ratio(median, target),
    },
    readme: [
      {
        what: '`deploy plan` wall time (example config, spawned as a user runs it)',
        figure: `median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms over ${runs} runs (target ${target} ms: ${ratio(median, target).toFixed(2)})`,
        how: 'node bench/plan.ts',
      },
    ],
  },
  { smoke },
);
if (!smoke) regenerateReadme();
console.log(`results: ${file}`);
