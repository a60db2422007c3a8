// Deregister mode on the ALB model (3 nodes, their own propagation delay after each registration
// change): how long each host stays drained and how many requests fail when its JVM is stopped at
// the drain's end, side by side in one run, for four rules:
//   (a) the field script's `sleep 25`, (b) today's rule before this change (the API's word, no
//   established connection, else min(D, 30 s) + 2 s), (c) the new rule (no request from any node for
//   3 s, nothing in flight, after `draining`), (d) waiting for `unused` (the SDK waiter's way);
// at propagation delays of 0, 5 and 20 s, a 300 s deregistration delay, under 40 req/s spread over
// the nodes, at ALB-realistic health checks (I = 5 s) and at the fast sandbox ones (I = 1 s).
// Needs root. The long run takes about an hour: --smoke proves it works in a few minutes.
// Usage: node bench/alb-drain.ts [--smoke] [--settings fast,alb] [--propagation 0,5,20]
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { albUrls } from '../scripts/sandbox/alb.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { type DrainTrial, drainAndStop, putBack } from '../scripts/sandbox/drain-harness.ts';
import { startLoad } from '../scripts/sandbox/load.ts';
import { sleep } from '../scripts/sandbox/proc.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { elbv2Client } from '../test/sandbox/_alb.ts';
import { isSmoke, writeResults } from './lib/results.ts';
import { round } from './lib/stats.ts';

const { values } = parseArgs({
  options: { smoke: { type: 'boolean' }, settings: { type: 'string' }, propagation: { type: 'string' } },
});
const smoke = isSmoke();
const SETTINGS = {
  fast: { intervalSeconds: 1, timeoutSeconds: 0.5, unhealthyThreshold: 2, healthyThreshold: 2 },
  alb: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 2, healthyThreshold: 2 },
} as const;
type SettingsName = keyof typeof SETTINGS;
const settingsNames = (values.settings ?? (smoke ? 'fast' : 'fast,alb')).split(',') as SettingsName[];
const propagations = (values.propagation ?? (smoke ? '0,3' : '0,5,20')).split(',').map(Number);
// The smoke run shortens what only takes time: the delay (and so `unused`), the sleep, today's bound.
// D above the longest propagation: past D every node cuts the target anyway, whatever the rule.
const D = smoke ? 12 + Math.max(...propagations) : 300;
const SLEEP = smoke ? 6 : 25;
const TODAY_MAX_REQUEST = smoke ? 4 : 30;
const RATE = 40;
const rules: { name: string; trial: DrainTrial }[] = [
  { name: `sleep ${SLEEP}`, trial: { rule: 'sleep', seconds: SLEEP, deregistrationDelaySeconds: D } },
  {
    name: 'today',
    trial: { rule: 'today', seconds: TODAY_MAX_REQUEST, marginSeconds: 2, deregistrationDelaySeconds: D },
  },
  { name: 'new', trial: { rule: 'evidence', quietSeconds: 3, deregistrationDelaySeconds: D } },
  { name: 'unused', trial: { rule: 'unused', deregistrationDelaySeconds: D } },
];

type Sample = {
  settings: SettingsName;
  propagationSeconds: number;
  rule: string;
  host: string;
  drainedSeconds: number;
  failed: number;
  sent: number;
};
const samples: Sample[] = [];

if (isUp(readState())) await sandboxDown();
for (const settings of settingsNames)
  for (const P of propagations) {
    const state = await sandboxUp({
      hosts: 2,
      lb: 'alb',
      healthCheck: SETTINGS[settings],
      deregistrationDelaySeconds: D,
      propagation: { minSeconds: P, maxSeconds: P, seed: 1 },
    });
    const client = elbv2Client();
    const load = startLoad({ urls: albUrls(state.alb!.nodes), rate: RATE, seconds: 7200, record: true });
    try {
      await sleep(2000);
      for (const [i, { name, trial }] of rules.entries()) {
        const host = state.hosts[i % 2]!;
        const r = await drainAndStop(client, host, trial);
        await sleep(2000 + SETTINGS[settings].intervalSeconds * 3000); // nodes notice the stopped JVM
        await putBack(state, client, host);
        const end = Date.now();
        samples.push({
          settings,
          propagationSeconds: P,
          rule: name,
          host: host.name,
          drainedSeconds: round(r.drainedMs / 1000, 2),
          ...counts(load, r.startedAt, end),
        });
        console.log(
          `${settings} P=${P}s ${name.padEnd(8)} ${host.name}: drained ${round(r.drainedMs / 1000, 1)} s, failed ${samples.at(-1)!.failed}`,
        );
      }
    } finally {
      load.stop();
      await load.done;
      await sandboxDown();
    }
  }

function counts(load: ReturnType<typeof startLoad>, from: number, to: number) {
  const inWindow = load.records().filter((q) => q.at >= from && q.at < to);
  return { failed: inWindow.filter((q) => q.outcome !== 'ok').length, sent: inWindow.length };
}

const cell = (s: Sample | undefined) => (s ? `${s.drainedSeconds} s / ${s.failed}` : '-');
console.log(
  `\nderegister mode on the ALB model (3 nodes), D = ${D} s, ${RATE} req/s: drained window / failed requests`,
);
for (const settings of settingsNames) {
  console.log(
    `\n${settings} (I = ${SETTINGS[settings].intervalSeconds} s)   ${rules.map((r) => r.name.padEnd(16)).join('')}`,
  );
  for (const P of propagations)
    console.log(
      `  propagation ${String(P).padStart(2)} s   ${rules.map((r) => cell(samples.find((s) => s.settings === settings && s.propagationSeconds === P && s.rule === r.name)).padEnd(16)).join('')}`,
    );
}

const row = (settings: SettingsName) =>
  propagations
    .map(
      (P) =>
        `P=${P} s: ${rules.map((r) => `${r.name} ${cell(samples.find((s) => s.settings === settings && s.propagationSeconds === P && s.rule === r.name))}`).join(', ')}`,
    )
    .join('; ');
const file = writeResults(
  'alb-drain',
  {
    settings: {
      nodes: 3,
      hosts: 2,
      deregistrationDelaySeconds: D,
      loadRate: RATE,
      sleepSeconds: SLEEP,
      todayMaxRequestSeconds: TODAY_MAX_REQUEST,
      quietSeconds: 3,
      healthChecks: Object.fromEntries(settingsNames.map((n) => [n, SETTINGS[n]])),
      propagationSeconds: propagations,
    },
    samples,
    summary: Object.fromEntries(settingsNames.map((n) => [n, row(n)])),
    readme: settingsNames.map((n) => ({
      what: `deregister mode on the 3-node ALB model, per host (I = ${SETTINGS[n].intervalSeconds} s, D = ${D} s, ${RATE} req/s): drained window / failed requests by propagation delay`,
      figure: row(n),
      how: 'node bench/alb-drain.ts',
    })),
  },
  { smoke },
);
if (!smoke) regenerateReadme();
console.log(`results: ${file}`);
