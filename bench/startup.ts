// Start-up of the CLI against a bare `node -e 0` in the same run, interleaved (one of each per
// round, so machine load hits all alike): `deploy plan` on the repository's example config (no
// target group: nothing is asked of AWS), `deploy --help`, `deploy --version`. Goal: each within
// 3x of bare Node. Warm: two rounds first fill Node's compile cache, as a user's second run finds
// it. Peak RSS from /usr/bin/time when installed. Besides wall time, each case's CPU time (user +
// system, from process.cpuUsage() at exit, bench/lib/cpu-at-exit.mjs) in separate interleaved runs:
// wall time on a machine others load is noisy, CPU time much less.
// Usage: node bench/startup.ts [--rounds 25] [--smoke]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { isSmoke, ROOT, writeResults } from './lib/results.ts';
import { median, quantile, ratio, round } from './lib/stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, smoke: { type: 'boolean' } } });
const smoke = isSmoke();
const rounds = Number(values.rounds ?? (smoke ? 3 : 25));
const WARMUP = 2;
const GOAL = 3;
const BIN = join(ROOT, 'bin', 'deploy.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const CASES: { name: string; args: string[] }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'deploy plan', args: [BIN, 'plan'] },
  { name: 'deploy --help', args: [BIN, '--help'] },
  { name: 'deploy --version', args: [BIN, '--version'] },
];

type Sample = { round: number; case: string; ms: number; cpuMs: number; rssKiB: number | null };
const samples: Sample[] = [];

const CPU_HOOK = join(ROOT, 'bench', 'lib', 'cpu-at-exit.mjs');
const CPU_OUT = join(ROOT, 'bench', 'results', 'smoke', 'cpu-ms.txt');

/** CPU ms of one run, measured by the process itself at exit. */
function cpuOnce(args: string[]): number {
  const r = spawnSync(process.execPath, ['--import', CPU_HOOK, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', HANDOFF_CPU_OUT: CPU_OUT },
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(readFileSync(CPU_OUT, 'utf8'));
}

function once(args: string[]): { ms: number; rssKiB: number | null } {
  const cmd = TIME ? TIME : process.execPath;
  const argv = TIME ? ['-f', '%M', process.execPath, ...args] : args;
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const rss = TIME ? Number(r.stderr.trim().split('\n').at(-1)) : Number.NaN;
  return { ms, rssKiB: Number.isFinite(rss) ? rss : null };
}

mkdirSync(dirname(CPU_OUT), { recursive: true });
for (let i = 0; i < WARMUP + rounds; i++)
  for (const c of CASES) {
    const { ms, rssKiB } = once(c.args);
    const cpuMs = cpuOnce(c.args);
    if (i >= WARMUP)
      samples.push({ round: i - WARMUP, case: c.name, ms: round(ms), cpuMs: round(cpuMs), rssKiB });
  }

const of = (name: string) => samples.filter((s) => s.case === name);
const base = median(of('node -e 0').map((s) => s.ms));
const baseCpu = median(of('node -e 0').map((s) => s.cpuMs));
const rows = CASES.map((c) => {
  const ms = of(c.name).map((s) => s.ms);
  const rss = of(c.name)
    .map((s) => s.rssKiB)
    .filter((v): v is number => v !== null);
  return {
    case: c.name,
    medianMs: round(median(ms)),
    p90Ms: round(quantile(ms, 0.9)),
    ratio: ratio(median(ms), base),
    cpuMedianMs: round(median(of(c.name).map((s) => s.cpuMs))),
    cpuRatio: ratio(median(of(c.name).map((s) => s.cpuMs)), baseCpu),
    rssMiB: rss.length ? round(median(rss) / 1024) : null,
  };
});

console.log(`start-up, ${rounds} interleaved rounds after ${WARMUP} warm-up (node ${process.versions.node})`);
console.log('case               wall median   p90   x node -e 0 | CPU median  x node -e 0 | RSS MiB');
for (const r of rows)
  console.log(
    `${r.case.padEnd(18)} ${r.medianMs.toFixed(0).padStart(8)} ms ${r.p90Ms.toFixed(0).padStart(5)} ${r.ratio.toFixed(2).padStart(10)}x   | ${r.cpuMedianMs.toFixed(0).padStart(7)} ms ${r.cpuRatio.toFixed(2).padStart(9)}x | ${r.rssMiB ?? '-'}`,
  );
const worst = Math.max(...rows.slice(1).map((r) => r.ratio));
const worstCpu = Math.max(...rows.slice(1).map((r) => r.cpuRatio));
console.log(
  `goal: each within ${GOAL}x of node -e 0; worst ${worst.toFixed(2)}x wall, ${worstCpu.toFixed(2)}x CPU`,
);

const row = (name: string) => rows.find((r) => r.case === name)!;
const plan = row('deploy plan');
const file = writeResults(
  'startup',
  {
    settings: {
      rounds,
      warmupRounds: WARMUP,
      config: 'deploy.config.ts',
      goalRatio: GOAL,
      rssFrom: TIME ?? null,
    },
    samples,
    summary: {
      baseMedianMs: round(base),
      baseCpuMedianMs: round(baseCpu),
      rows,
      worstRatio: worst,
      worstCpuRatio: worstCpu,
    },
    readme: [
      {
        what: 'start-up: `deploy plan` (example config), `--help`, `--version` vs a bare `node -e 0`, same run',
        figure: `plan ${plan.medianMs.toFixed(0)} ms vs ${base.toFixed(0)} ms wall (${plan.ratio.toFixed(2)}x; CPU ${plan.cpuRatio.toFixed(2)}x${plan.rssMiB ? `; ${plan.rssMiB} MiB` : ''}); --help ${row('deploy --help').ratio.toFixed(2)}x, --version ${row('deploy --version').ratio.toFixed(2)}x wall (goal ${GOAL}x)`,
        how: 'node bench/startup.ts',
      },
    ],
  },
  { smoke },
);
if (!smoke) regenerateReadme();
console.log(`results: ${file}`);
