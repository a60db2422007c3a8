// Memory on a 1 GiB host (the sandbox's cgroup), the same deploy done stop-first and build-first
// under steady load: peak %, old/new overlap seconds and OOM kills side by side. Copies both
// memory.svg charts to docs/img/ (not in a smoke run). Needs root.
// Usage: node bench/memory.ts [--smoke]
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { readReport, sandboxConfig, startCli, underLoad } from '../test/helpers/deploy-sandbox.ts';
import { isSmoke, ROOT, writeResults } from './lib/results.ts';
import { round } from './lib/stats.ts';

const smoke = isSmoke();
// The build's memory is what matters; a smoke run only holds it for less time.
const BUILD = `BUILD_SECONDS=${smoke ? 2 : 6} BUILD_MB=450 sh build.sh`;
const startedHere = !isUp(readState());
const state = await sandboxUp({ hosts: 2 });
try {
  const rows: Record<
    string,
    {
      peak: number | null;
      overlap: number;
      oom: number;
      failed: number;
      total: number;
      code: number | null;
      source: string;
      peakPerStep: unknown;
      samples: unknown[];
    }
  > = {};
  for (const strategy of ['stop-first', 'build-first']) {
    const build = {
      command: BUILD,
      artifact: 'build/app.jar',
      estimateSeconds: 8,
    };
    const { dir } = sandboxConfig(state, { app: { build }, extra: { strategy } });
    const { value, failed, total } = await underLoad(() => startCli(['run'], dir).done);
    const m = readReport(dir).memory!;
    rows[strategy] = {
      peak: m.peakPercent,
      overlap: m.overlapSeconds,
      oom: m.oomKills,
      failed,
      total,
      code: value.code,
      source: m.source,
      peakPerStep: m.peakPerStep,
      samples: m.samples,
    };
    if (!smoke) {
      mkdirSync(join(ROOT, 'docs/img'), { recursive: true });
      copyFileSync(join(dir, 'report/memory.svg'), join(ROOT, `docs/img/memory-${strategy}.svg`));
    }
  }
  const a = rows['stop-first']!;
  const b = rows['build-first']!;
  console.log(
    'two-host deploy, 1 GiB memory cgroup per host (figure: cgroup usage - inactive_file, over the limit)',
  );
  console.log('                      stop-first   build-first');
  console.log(
    `peak used %          ${String(a.peak).padStart(10)}   ${String(b.peak).padStart(11)}   (+${(b.peak! - a.peak!).toFixed(1)} points)`,
  );
  console.log(`old/new overlap s    ${String(a.overlap).padStart(10)}   ${String(b.overlap).padStart(11)}`);
  console.log(`OOM kills            ${String(a.oom).padStart(10)}   ${String(b.oom).padStart(11)}`);
  console.log(`failed requests      ${String(a.failed).padStart(10)}   ${String(b.failed).padStart(11)}`);
  console.log(`exit code            ${String(a.code).padStart(10)}   ${String(b.code).padStart(11)}`);
  if (!smoke) console.log('charts: docs/img/memory-stop-first.svg, docs/img/memory-build-first.svg');
  const how = 'node bench/memory.ts';
  const file = writeResults(
    'memory',
    {
      settings: { hosts: 2, hostMemoryMiB: 1024, build: BUILD, loadRate: 40, strategies: Object.keys(rows) },
      samples: Object.entries(rows).map(([strategy, r]) => ({ strategy, ...r })),
      summary: {
        peakPercent: { stopFirst: a.peak, buildFirst: b.peak },
        peakDifferencePoints: round(b.peak! - a.peak!),
        overlapSeconds: { stopFirst: a.overlap, buildFirst: b.overlap },
        oomKills: { stopFirst: a.oom, buildFirst: b.oom },
        failed: { stopFirst: a.failed, buildFirst: b.failed },
        exitCode: { stopFirst: a.code, buildFirst: b.code },
      },
      readme: [
        {
          what: `memory peak, two-host deploy, 1 GiB cgroup per host (${a.source} working set): stop-first vs build-first`,
          figure: `${a.peak} % vs ${b.peak} % (+${round(b.peak! - a.peak!)} points); old JVM beside the build or new JVM ${a.overlap} s vs ${b.overlap} s; OOM kills ${a.oom} vs ${b.oom}; failed requests ${a.failed} vs ${b.failed}`,
          how,
        },
      ],
    },
    { smoke },
  );
  if (!smoke) regenerateReadme();
  console.log(`results: ${file}`);
} finally {
  if (startedHere) await sandboxDown();
}
