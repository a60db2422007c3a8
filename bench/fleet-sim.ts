// A fleet beyond this machine, simulated: `deploy run`'s engine on 1,000 virtual hosts in batches of
// 10 % with a 90 % floor (bench/lib/fleet-sim.ts: recording executors, virtual time in which hosts
// side by side each sleep on their own, a target group and three load-balancer nodes modelled per
// host). Reports what the laptop pays (wall time, CPU time, peak RSS of the process, Node's start
// included) and the load-balancer calls per second the fleet would send, against ELBv2's published
// Describe* limit: a token bucket of 40, refilled at 10 a second (the calls it would refuse are
// counted by running the calls' own timestamps through that bucket). Done when: under 10 s wall,
// 0 refused.
// Usage: node bench/fleet-sim.ts [--hosts 1000] [--runs 3] [--smoke]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { isSmoke, ROOT, writeResults } from './lib/results.ts';
import { median, round } from './lib/stats.ts';

const { values } = parseArgs({
  options: { hosts: { type: 'string' }, runs: { type: 'string' }, smoke: { type: 'boolean' } },
});
const smoke = isSmoke();
const hosts = Number(values.hosts ?? (smoke ? 200 : 1000));
const runs = Number(values.runs ?? (smoke ? 1 : 3));
const settings = {
  hosts,
  batchSize: '10%',
  minHealthy: '90%',
  runs,
  describeBucket: { size: 40, refillPerSecond: 10 },
};

type Sim = {
  exitCode: number;
  results: Record<string, number>;
  virtualSeconds: number;
  commands: number;
  cpuMs: number;
  maxRssKb: number;
  api: Record<
    string,
    { total: number; peakPerSecond: number; meanPerSecond: number; refusedBy40and10?: number }
  >;
};

const samples: (Sim & { wallMs: number })[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bench/lib/fleet-sim.ts'), '--hosts', String(hosts), '--batch', '10%', '--floor', '90%'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`fleet-sim exited ${r.status}: ${r.stderr}`);
  const sim = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Sim;
  if (sim.exitCode !== 0) throw new Error(`the simulated rollout failed: ${JSON.stringify(sim.results)}`);
  samples.push({ ...sim, wallMs: round(wallMs) });
  console.log(
    `run ${i + 1}: ${hosts} hosts deployed (${JSON.stringify(sim.results)}) in ${sim.virtualSeconds} virtual s; wall ${(wallMs / 1000).toFixed(1)} s, CPU ${(sim.cpuMs / 1000).toFixed(1)} s, peak RSS ${Math.round(sim.maxRssKb / 1024)} MiB, ${sim.commands} commands`,
  );
}

const wall = median(samples.map((s) => s.wallMs));
const cpu = median(samples.map((s) => s.cpuMs));
const rss = Math.max(...samples.map((s) => s.maxRssKb));
const api = samples[0]!.api;
const describe = api.DescribeTargetHealth!;
const refused = Math.max(...samples.map((s) => s.api.DescribeTargetHealth?.refusedBy40and10 ?? 0));
console.log(
  `\n${hosts} hosts, batches of 10 %, floor 90 % (median of ${runs}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs: wall time counts the machine's other work)`,
);
console.log('                       wall s   CPU s   peak RSS MiB   target');
console.log(
  `CLI engine           ${(wall / 1000).toFixed(1).padStart(7)} ${(cpu / 1000).toFixed(1).padStart(7)} ${String(Math.round(rss / 1024)).padStart(14)}   wall < 10 s: ${(wall / 10_000).toFixed(2)} of it`,
);
console.log('\nload-balancer calls      total   peak/s   mean/s   refused by 40 + 10/s');
for (const [action, a] of Object.entries(api))
  console.log(
    `${action.padEnd(22)} ${String(a.total).padStart(7)} ${String(a.peakPerSecond).padStart(8)} ${a.meanPerSecond.toFixed(2).padStart(8)}   ${a.refusedBy40and10 ?? '(no published limit found)'}`,
  );

const file = writeResults(
  'fleet-sim',
  {
    settings,
    samples,
    summary: {
      wallMsMedian: wall,
      cpuMsMedian: cpu,
      peakRssKb: rss,
      virtualSeconds: samples[0]!.virtualSeconds,
      api,
      describeRefused: refused,
      wallOverTarget: round(wall / 10_000, 2),
    },
    readme: [
      {
        what: `${hosts} simulated hosts, batches of 10 %, floor 90 % (engine on recording executors, virtual time)`,
        figure: `wall ${(wall / 1000).toFixed(1)} s (target 10 s), CPU ${(cpu / 1000).toFixed(1)} s, peak RSS ${Math.round(rss / 1024)} MiB; ${samples[0]!.virtualSeconds} s of virtual deploy`,
        how: 'node bench/fleet-sim.ts',
      },
      {
        what: `load-balancer calls of that rollout vs ELBv2's Describe* limit (bucket 40, 10/s)`,
        figure: `DescribeTargetHealth ${describe.total} calls, peak ${describe.peakPerSecond}/s, ${refused} refused; Register/DeregisterTargets peak ${api.RegisterTargets?.peakPerSecond}/${api.DeregisterTargets?.peakPerSecond} per s`,
        how: 'node bench/fleet-sim.ts',
      },
    ],
  },
  { smoke },
);
if (!smoke) regenerateReadme();
console.log(`results: ${file}`);
