// One instance behind the 3-node ALB model under steady load, the same release deployed side by
// side in one run: stop-first with --allow-downtime (the only target drained: seconds of failed
// requests), the same with the maintenance response (the drained window answered by a listener
// rule's 503 and its body: seconds of 503, no other failure) and the port swap (the new JVM beside
// the old one: 0 failed), each with its memory peak and its overlap. Needs root.
// Usage: node bench/swap.ts [--smoke]
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { ELBV2 } from '../scripts/sandbox/contract.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { listenerArn } from '../scripts/sandbox/elbv2/listener-actions.ts';
import type { TargetGroupOptions } from '../scripts/sandbox/elbv2/model.ts';
import type { RequestRecord } from '../scripts/sandbox/load.ts';
import { readState, type SandboxState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { DEREGISTER, readReport, sandboxConfig, startCli } from '../test/helpers/deploy-sandbox.ts';
import { ALB_UP, awsEnv, underAlbLoad } from '../test/sandbox/_alb.ts';
import { isSmoke, writeResults } from './lib/results.ts';

const smoke = isSmoke();
const RATE = smoke ? 20 : 60;
const BUILD = `BUILD_SECONDS=${smoke ? 2 : 6} BUILD_MB=400 sh build.sh`;
const BODY = '<h1>Back in a minute</h1><p>We are deploying a new version.</p>';
const MAINTENANCE = {
  listenerArn: listenerArn({ arn: ELBV2.targetGroupArn } as TargetGroupOptions),
  body: BODY,
};
const VARIANTS = [
  {
    name: 'stop-first --allow-downtime',
    key: 'stopFirstAllowDowntime',
    strategy: 'stop-first',
    maintenance: false,
  },
  { name: 'maintenance --allow-downtime', key: 'maintenance', strategy: 'stop-first', maintenance: true },
  { name: 'swap', key: 'swap', strategy: 'swap', maintenance: false },
] as const;

/** The listener rule's answer, told from everything else that was not a 2xx. */
const byRule = (r: RequestRecord) => r.status === 503 && r.body === BODY;
/** Seconds (since the first request) in which at least one request matched. */
const secondsWith = (records: RequestRecord[], match: (r: RequestRecord) => boolean) =>
  new Set(records.filter(match).map((r) => Math.floor((r.at - (records[0]?.at ?? 0)) / 1000))).size;

/** One variant deployed under load: its requests told apart (the rule's 503, other failures), its memory. */
async function measure(state: SandboxState, v: (typeof VARIANTS)[number]) {
  const { dir } = sandboxConfig(state, {
    ...DEREGISTER,
    app: {
      ports: [8080, 8081],
      portEnv: 'PORT',
      build: { command: BUILD, artifact: 'build/app.jar', estimateSeconds: 8 },
    },
    extra: {
      ...DEREGISTER.extra,
      strategy: v.strategy,
      ...(v.maintenance ? { maintenance: MAINTENANCE } : {}),
    },
  });
  const args = v.strategy === 'swap' ? [] : ['--allow-downtime'];
  const { value, load } = await underAlbLoad(
    state,
    () => startCli(['run', '--yes', ...args], dir, awsEnv).done,
    RATE,
  );
  const m = readReport(dir).memory;
  const failedOtherwise = (r: RequestRecord) => r.outcome !== 'ok' && !byRule(r);
  return {
    variant: v.name,
    key: v.key,
    code: value.code,
    total: load.total,
    failed: load.requests.filter(failedOtherwise).length,
    failedSeconds: secondsWith(load.requests, failedOtherwise),
    maintenance503: load.requests.filter(byRule).length,
    maintenanceSeconds: secondsWith(load.requests, byRule),
    statusCounts: load.statusCounts,
    errorCodes: load.errorCodes,
    peakPercent: m?.peakPercent ?? null,
    overlapSeconds: m?.overlapSeconds ?? null,
    overlap: m?.overlap ?? null,
    oomKills: m?.oomKills ?? null,
    budget: m?.budget ?? null,
  };
}
type Row = Awaited<ReturnType<typeof measure>>;

const startedHere = !isUp(readState());
const state = await sandboxUp({
  ...ALB_UP,
  hosts: 1,
  deregistrationDelaySeconds: 300,
  propagation: { minSeconds: 1, maxSeconds: 4, seed: 14 },
});
try {
  const rows: Row[] = [];
  for (const v of VARIANTS) rows.push(await measure(state, v));
  console.log(`one instance, 1 GiB cgroup, ALB model (3 nodes), ${RATE} req/s`);
  console.log(
    'variant                        exit  failed / requests  failed s  503 by the rule  503 s  peak %  overlap s',
  );
  for (const r of rows)
    console.log(
      `${r.variant.padEnd(30)} ${String(r.code).padStart(4)}  ${`${r.failed} / ${r.total}`.padStart(17)}  ${String(r.failedSeconds).padStart(8)}  ${String(r.maintenance503).padStart(15)}  ${String(r.maintenanceSeconds).padStart(5)}  ${String(r.peakPercent).padStart(6)}  ${String(r.overlapSeconds).padStart(9)}`,
    );
  const [down, maint, swap] = rows as [Row, Row, Row];
  const per = <K extends keyof Row>(k: K) => Object.fromEntries(rows.map((r) => [r.key, r[k]]));
  const how = 'node bench/swap.ts';
  const file = writeResults(
    'swap',
    {
      settings: {
        hosts: 1,
        hostMemoryMiB: 1024,
        albNodes: 3,
        build: BUILD,
        loadRate: RATE,
        maintenanceBody: BODY,
      },
      samples: rows,
      summary: {
        failedSeconds: per('failedSeconds'),
        failed: per('failed'),
        maintenanceSeconds: per('maintenanceSeconds'),
        maintenance503: per('maintenance503'),
        peakPercent: per('peakPercent'),
      },
      readme: [
        {
          what: `one instance under ${RATE} req/s: stop-first with --allow-downtime, the same with the maintenance response, the port swap`,
          figure: `failed requests ${down.failed} of ${down.total} (${down.failedSeconds} s with failures) vs ${maint.failed} of ${maint.total} failed and ${maint.maintenance503} answered 503 with the maintenance page (${maint.maintenanceSeconds} s) vs ${swap.failed} of ${swap.total}; memory peak ${down.peakPercent} % vs ${maint.peakPercent} % vs ${swap.peakPercent} % (the swap's planned overlap ${swap.overlapSeconds} s)`,
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
