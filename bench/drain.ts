// Deregister mode: how long each host stays drained with handoff (until the load balancer stopped
// routing and nothing is in flight) next to waiting for the API to say `unused` (what the SDK
// waiter does), with the same deregistration delay and under the same load (40 req/s plus 2 req/s
// of 3 s requests), several samples of each. Needs root.
// Usage: node bench/drain.ts [--delay 30] [--runs 2] [--smoke]
import { parseArgs } from 'node:util';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { ELBV2, FRONTEND } from '../scripts/sandbox/contract.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { deregisterConfig, readReport, startCli, underLoad } from '../test/helpers/deploy-sandbox.ts';
import { isSmoke, writeResults } from './lib/results.ts';
import { minMax, ratio, round } from './lib/stats.ts';

const { values } = parseArgs({
  options: { delay: { type: 'string' }, runs: { type: 'string' }, smoke: { type: 'boolean' } },
});
const smoke = isSmoke();
const delay = Number(values.delay ?? (smoke ? 5 : 30));
const runs = Number(values.runs ?? (smoke ? 1 : 2));
const env = { AWS_ACCESS_KEY_ID: 'AKIDSANDBOX', AWS_SECRET_ACCESS_KEY: 'sandbox', AWS_REGION: ELBV2.region };
Object.assign(process.env, env);
const client = new ElasticLoadBalancingV2Client({
  region: ELBV2.region,
  endpoint: `http://127.0.0.1:${ELBV2.port}`,
  maxAttempts: 1,
});
const TG = ELBV2.targetGroupArn;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stateOf(target: { Id: string; Port: number }) {
  const r = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG, Targets: [target] }));
  return r.TargetHealthDescriptions?.[0]?.TargetHealth?.State;
}

/** The waiter's way: deregister, poll until `unused` (every 250 ms, finer than the waiter's 15 s), re-admit. */
async function waitForUnused(target: { Id: string; Port: number }): Promise<number> {
  const t0 = performance.now();
  await client.send(new DeregisterTargetsCommand({ TargetGroupArn: TG, Targets: [target] }));
  while ((await stateOf(target)) !== 'unused') await sleep(250);
  const seconds = (performance.now() - t0) / 1000;
  await client.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: [target] }));
  while ((await stateOf(target)) !== 'healthy') await sleep(250);
  return seconds;
}

// A fresh sandbox: the deregistration delay is set when it comes up.
if (isUp(readState())) await sandboxDown();
const state = await sandboxUp({ hosts: 2, deregistrationDelaySeconds: delay });
try {
  const long = [{ url: `http://${FRONTEND.host}:${FRONTEND.port}/?ms=3000`, rate: 2 }];
  // One sample per drained host; `failed`/`total` are the load's counts over the whole run it was part of.
  const samples: {
    run: string;
    index: number;
    host: string;
    seconds: number;
    failed: number;
    total: number;
  }[] = [];
  for (let run = 0; run < runs; run++) {
    const { dir } = deregisterConfig(state);
    const { value, failed, total } = await underLoad(() => startCli(['run'], dir, env).done, long);
    if (value.code !== 0) throw new Error(`deploy failed:\n${value.stdout}\n${value.stderr}`);
    for (const h of readReport(dir).hosts)
      samples.push({
        run: 'handoff',
        index: run,
        host: h.name,
        seconds: round(h.drainSeconds!, 2),
        failed,
        total,
      });
    for (const h of state.hosts) {
      const target = { Id: h.instanceId, Port: 8080 };
      const r = await underLoad(() => waitForUnused(target), long);
      samples.push({
        run: 'unused',
        index: run,
        host: h.name,
        seconds: round(r.value, 2),
        failed: r.failed,
        total: r.total,
      });
    }
  }
  const of = (run: string) => samples.filter((s) => s.run === run).map((s) => s.seconds);
  const [hMin, hMax] = minMax(of('handoff'));
  const [uMin, uMax] = minMax(of('unused'));
  console.log(`deregister mode, deregistration delay ${delay} s, load 40 req/s + 2 req/s of 3 s requests`);
  console.log('                 handoff          wait for unused   unused/handoff');
  console.log(
    `drained s   ${`${hMin}-${hMax}`.padStart(12)}   ${`${uMin}-${uMax}`.padStart(15)}   ${ratio(uMin, hMax)}-${ratio(uMax, hMin)}x`,
  );
  for (const s of samples)
    console.log(`  ${s.run.padEnd(8)} ${s.host}  ${s.seconds} s  (failed ${s.failed} of ${s.total})`);
  // Each handoff deploy drains both hosts under one load run: count its failures once.
  const failedHandoff = samples
    .filter((s) => s.run === 'handoff' && s.host === state.hosts[0]!.name)
    .reduce((n, s) => n + s.failed, 0);
  const file = writeResults(
    'drain',
    {
      settings: {
        deregistrationDelaySeconds: delay,
        runs,
        hosts: 2,
        loadRate: 40,
        longRequests: { ms: 3000, rate: 2 },
      },
      samples,
      summary: {
        handoffSeconds: [hMin, hMax],
        unusedSeconds: [uMin, uMax],
        ratio: [ratio(uMin, hMax), ratio(uMax, hMin)],
        failedDuringHandoffDeploys: failedHandoff,
      },
      readme: [
        {
          what: `deregister mode, per-host drain with 3 s requests in flight, delay ${delay} s: handoff vs waiting for \`unused\` (both under load, ${of('handoff').length} and ${of('unused').length} samples)`,
          figure: `${hMin}-${hMax} s vs ${uMin}-${uMax} s (${ratio(uMin, hMax)}x or more); ${failedHandoff} failed requests during the handoff deploys`,
          how: 'node bench/drain.ts',
        },
      ],
    },
    { smoke },
  );
  if (!smoke) regenerateReadme();
  console.log(`results: ${file}`);
} finally {
  await sandboxDown();
}
