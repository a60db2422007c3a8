// What the 1-Hz memory sampler costs the host, in the costliest case: the real script (dash + awk)
// in its own memory cgroup, with an old JVM, a new JVM and a build process group marked, so every
// tick reads three RSS figures and scans /proc for the build's group. Readings at 10 Hz of the
// sampler's process tree: Pss (shared pages split fairly), private anonymous memory + page tables,
// and its CPU time (children included) over the run. Needs root and a memory cgroup.
// Usage: node bench/sampler.ts [--runs 3] [--seconds 20] [--smoke]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import {
  createHostCgroup,
  detectCgroup,
  removeCgroupRoot,
  removeHostCgroup,
} from '../scripts/sandbox/cgroup.ts';
import { type MarkName, markCommand } from '../src/remote/sampler-script.ts';
import * as p from '../test/sandbox/sampler-probe.ts';
import { isSmoke, writeResults } from './lib/results.ts';
import { median, round } from './lib/stats.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string' }, seconds: { type: 'string' }, smoke: { type: 'boolean' } },
});
const smoke = isSmoke();
const runs = Number(values.runs ?? (smoke ? 1 : 3));
const seconds = Number(values.seconds ?? (smoke ? 4 : 20));
const cg = detectCgroup();
if (process.getuid?.() !== 0 || !cg) throw new Error('needs root and a memory cgroup controller');
const ROOT =
  cg.version === 2 ? '/sys/fs/cgroup/handoff-sampler-bench' : '/sys/fs/cgroup/memory/handoff-sampler-bench';
const tmp = mkdtempSync(join(tmpdir(), 'handoff-sampler-bench-'));
const hogFile = join(tmp, 'hog.js');
writeFileSync(hogFile, p.HOG_JS);
const mark = (marks: string, name: MarkName, v: string | number) =>
  execFileSync('sh', ['-c', markCommand(marks, name, v)]);

type Run = {
  run: number;
  seconds: number;
  readings: number;
  pssKbMax: number;
  privatePteKbMax: number;
  cpuPercent: number;
};

async function once(run: number): Promise<Run> {
  const dir = createHostCgroup(cg!.version, ROOT, `run${run}-${process.pid}`, 1024 ** 3);
  const marks = mkdtempSync(join(tmp, 'marks-'));
  const hogs = [
    p.spawnIn(dir, [process.execPath, hogFile, '64']),
    p.spawnIn(dir, [process.execPath, hogFile, '64']),
  ];
  const build = p.spawnIn(dir, ['dash', '-c', `"$0" "$1" 32 & wait`, process.execPath, hogFile], {
    detached: true,
  });
  try {
    mark(marks, 'oldPid', hogs[0]!.pid!);
    mark(marks, 'newPid', hogs[1]!.pid!);
    mark(marks, 'buildPgid', build.pid!);
    const sampler = p.startSampler(dir, { marksDir: marks, intervalSeconds: 1, source: 'auto' });
    const own: p.MemUse[] = [];
    const t0 = Date.now();
    const timer = setInterval(() => own.push(p.memOf(p.tree(sampler.shellPid()))), 100);
    await p.delay(seconds * 1000);
    clearInterval(timer);
    const cpu = p.cpuSeconds(sampler.shellPid()) / ((Date.now() - t0) / 1000);
    process.kill(sampler.shellPid(), 'SIGTERM');
    await sampler.exited;
    return {
      run,
      seconds,
      readings: own.length,
      pssKbMax: Math.max(...own.map((m) => m.pssKb)),
      privatePteKbMax: Math.max(...own.map((m) => m.rssAnonKb + m.pteKb)),
      cpuPercent: round(cpu * 100, 2),
    };
  } finally {
    for (const h of hogs) h.kill('SIGKILL');
    try {
      process.kill(-build.pid!, 'SIGKILL');
    } catch {}
    await removeHostCgroup(dir);
  }
}

const samples: Run[] = [];
try {
  for (let i = 0; i < runs; i++) samples.push(await once(i));
} finally {
  removeCgroupRoot(ROOT);
  rmSync(tmp, { recursive: true, force: true });
}
const worst = (k: keyof Run) => Math.max(...samples.map((s) => s[k]));
const cpus = samples.map((s) => s.cpuPercent);
console.log(`sampler footprint, ${runs} runs of ${seconds} s, old/new/build marked (readings every 100 ms)`);
console.log('run   Pss max kB   private+PTE max kB   CPU % of a core');
for (const s of samples)
  console.log(
    `${String(s.run).padStart(3)}   ${String(s.pssKbMax).padStart(10)}   ${String(s.privatePteKbMax).padStart(18)}   ${s.cpuPercent}`,
  );
const file = writeResults(
  'sampler',
  {
    settings: {
      runs,
      seconds,
      intervalSeconds: 1,
      readingsEveryMs: 100,
      roles: ['oldPid', 'newPid', 'buildPgid'],
      cgroup: cg.version,
    },
    samples,
    summary: {
      pssKbMax: worst('pssKbMax'),
      privatePteKbMax: worst('privatePteKbMax'),
      cpuPercentMedian: median(cpus),
      cpuPercentMax: Math.max(...cpus),
    },
    readme: [
      {
        what: 'sampler footprint on the host (costliest tick: old, new and build marked)',
        figure: `CPU ${median(cpus)} % of a core (max ${Math.max(...cpus)} %); Pss ≤ ${worst('pssKbMax')} kB; private + page tables ≤ ${worst('privatePteKbMax')} kB (${runs} runs of ${seconds} s)`,
        how: 'node bench/sampler.ts',
      },
    ],
  },
  { smoke },
);
if (!smoke) regenerateReadme();
console.log(`results: ${file}`);
