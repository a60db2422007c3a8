// Wall time of `deploy plan` on the example config, spawned as a user runs it (Node start-up,
// config load with type stripping, zod, plan, render). Target: under 0.5 s on the 2-core machine.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 15);
const times: number[] = [];
for (let i = 0; i < runs + 1; i++) {
  const t0 = performance.now();
  execFileSync(process.execPath, [join(root, 'bin/deploy.js'), 'plan'], { cwd: root, stdio: 'pipe' });
  if (i > 0) times.push(performance.now() - t0); // the first run warms the disk cache
}
times.sort((a, b) => a - b);
const pick = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
const target = 500;
console.log(`deploy plan on deploy.config.ts, ${runs} runs (node ${process.versions.node})`);
console.log('            median     p90      min      max   target   median/target');
console.log(
  `wall ms  ${[pick(0.5), pick(0.9), times[0]!, times.at(-1)!, target].map((v) => v.toFixed(0).padStart(7)).join('  ')}     ${(pick(0.5) / target).toFixed(2)}`,
);
