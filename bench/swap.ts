// One instance behind the 3-node ALB model under steady load, the same release deployed side by
// side in one run: stop-first with --allow-downtime (the only target drained: seconds of failed
// requests) and the port swap (the new JVM beside the old one: 0 failed), each with its memory
// peak and its overlap. The maintenance response (seconds of 503 instead of failures) is issue 14's
// next item and joins this table when it lands. Needs root.
// Usage: node bench/swap.ts [--smoke]
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import type { SecondStats } from '../scripts/sandbox/load.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { DEREGISTER, readReport, sandboxConfig, startCli } from '../test/helpers/deploy-sandbox.ts';
import { ALB_UP, awsEnv, underAlbLoad } from '../test/sandbox/_alb.ts';
import { isSmoke, writeResults } from './lib/results.ts';

const smoke = isSmoke();
const RATE = smoke ? 20 : 60;
const BUILD = `BUILD_SECONDS=${smoke ? 2 : 6} BUILD_MB=400 sh build.sh`;
const VARIANTS = [
  { name: 'stop-first --allow-downtime', strategy: 'stop-first', args: ['--allow-downtime'] },
  { name: 'swap', strategy: 'swap', args: [] },
] as const;

/** Seconds (of sending) in which at least one request failed. */
const failedSeconds = (timeline: SecondStats[]) =>
  timeline.filter((s) => s.non2xx + s.errors + s.timeouts > 0).length;

const startedHere = !isUp(readState());
const state = await sandboxUp({
  ...ALB_UP,
  hosts: 1,
  deregistrationDelaySeconds: 300,
  propagation: { minSeconds: 1, maxSeconds: 4, seed: 14 },
});
try {
  const rows = [];
  for (const v of VARIANTS) {
    const { dir } = sandboxConfig(state, {
      ...DEREGISTER,
      app: {
        ports: [8080, 8081],
        portEnv: 'PORT',
        build: { command: BUILD, artifact: 'build/app.jar', estimateSeconds: 8 },
      },
      extra: { ...DEREGISTER.extra, strategy: v.strategy },
    });
    const { value, load } = await underAlbLoad(
      state,
      () => startCli(['run', '--yes', ...v.args], dir, awsEnv).done,
      RATE,
    );
    const m = readReport(dir).memory;
    rows.push({
      variant: v.name,
      code: value.code,
      total: load.total,
      failed: load.failed,
      failedSeconds: failedSeconds(load.timeline),
      statusCounts: load.statusCounts,
      errorCodes: load.errorCodes,
      peakPercent: m?.peakPercent ?? null,
      overlapSeconds: m?.overlapSeconds ?? null,
      overlap: m?.overlap ?? null,
      oomKills: m?.oomKills ?? null,
      budget: m?.budget ?? null,
    });
  }
  console.log(`one instance, 1 GiB cgroup, ALB model (3 nodes), ${RATE} req/s`);
  console.log('variant                        exit  failed / requests  failed s  peak %  overlap s');
  for (const r of rows)
    console.log(
      `${r.variant.padEnd(30)} ${String(r.code).padStart(4)}  ${`${r.failed} / ${r.total}`.padStart(17)}  ${String(r.failedSeconds).padStart(8)}  ${String(r.peakPercent).padStart(6)}  ${String(r.overlapSeconds).padStart(9)}`,
    );
  const [down, swap] = rows as [(typeof rows)[number], (typeof rows)[number]];
  const how = 'node bench/swap.ts';
  const file = writeResults(
    'swap',
    {
      settings: { hosts: 1, hostMemoryMiB: 1024, albNodes: 3, build: BUILD, loadRate: RATE },
      samples: rows,
      summary: {
        failedSeconds: { stopFirstAllowDowntime: down.failedSeconds, swap: swap.failedSeconds },
        failed: { stopFirstAllowDowntime: down.failed, swap: swap.failed },
        peakPercent: { stopFirstAllowDowntime: down.peakPercent, swap: swap.peakPercent },
      },
      readme: [
        {
          what: `one instance under ${RATE} req/s: stop-first with --allow-downtime vs the port swap`,
          figure: `failed requests ${down.failed} of ${down.total} (${down.failedSeconds} s with failures) vs ${swap.failed} of ${swap.total}; memory peak ${down.peakPercent} % vs ${swap.peakPercent} % (the swap's planned overlap ${swap.overlapSeconds} s)`,
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
