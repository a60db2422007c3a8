// Termination mode, two hosts in the sandbox under the same steady load, at two health-check
// settings side by side in one run: the sandbox's fast checks and ALB-realistic ones (I >= 5 s; AWS's
// minimum interval is 5 s, so the fast ratio alone flatters the tool). At each:
//   handoff  `deploy run` (stop-first, computed wait), building on the host
//   script   the field write-up's script: POST /termination, sleep 25, build, kill, start, poll /health
//   local    `deploy run` with a locally built artifact (app.build.where: 'local'): the time each host
//            is out of rotation, against its floor stop + boot + re-admission window + 3 s
// Needs root. Usage: node bench/deploy.ts [--sleep 25] [--sets fast,alb] [--smoke]
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import type { HealthCheckSettings } from '../scripts/sandbox/contract.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { startLoad } from '../scripts/sandbox/load.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { BUILD, handoffRun, START, scriptRun, withLoad } from './lib/deploy-runs.ts';
import { isSmoke, type ReadmeRow, writeResults } from './lib/results.ts';
import { ratio, round } from './lib/stats.ts';

const SETS: Record<string, HealthCheckSettings> = {
  fast: { intervalSeconds: 2, timeoutSeconds: 1, unhealthyThreshold: 3, healthyThreshold: 2 },
  alb: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 },
};
const FLOOR_SLACK_SECONDS = 3;
const { values } = parseArgs({
  options: { sleep: { type: 'string' }, sets: { type: 'string' }, smoke: { type: 'boolean' } },
});
const smoke = isSmoke();
const sleepSeconds = Number(values.sleep ?? (smoke ? 3 : 25));
const sets = (values.sets ?? 'fast,alb').split(',').map((s) => {
  if (!SETS[s]) throw new Error(`--sets: unknown '${s}' (known: ${Object.keys(SETS).join(', ')})`);
  return s;
});

async function measure(name: string) {
  if (isUp(readState())) await sandboxDown(); // checks are set when the sandbox comes up
  const state = await sandboxUp({ hosts: 2, healthCheck: SETS[name]! });
  try {
    const warm = await startLoad({ rate: 40, seconds: 5 }).done; // cold JVMs, fresh connections
    console.log(`[${name}] warm-up: ${warm.failed} failed of ${warm.total}`);
    const handoff = await withLoad(() => handoffRun(state, 'host'));
    const script = await withLoad(() => scriptRun(state, sleepSeconds));
    const local = await withLoad(() => handoffRun(state, 'local'));
    return { name, healthCheck: state.healthCheck, handoff, script, local };
  } finally {
    await sandboxDown();
  }
}
type Measured = Awaited<ReturnType<typeof measure>>;

function floorOf(m: Measured) {
  return m.local.value.hosts.map((h) =>
    round(h.stopSeconds + h.bootSeconds + m.local.value.plan.readmitAfterSeconds + FLOOR_SLACK_SECONDS),
  );
}

function print(m: Measured): void {
  const hc = m.healthCheck;
  const f = (v: number) => v.toFixed(1).padStart(8);
  const h = m.handoff.value;
  const s = m.script.value;
  const floor = floorOf(m);
  console.log(
    `\n[${m.name}] checks I=${hc.intervalSeconds} T=${hc.timeoutSeconds} N=${hc.unhealthyThreshold} H=${hc.healthyThreshold}; computed wait ${h.plan.waitSeconds} s`,
  );
  console.log(`                        handoff  sleep ${sleepSeconds}   script/handoff`);
  h.hosts.forEach((x, i) => {
    console.log(
      `drained wait ${x.host} s  ${f(x.drainedSeconds)} ${f(s.drained[i]!)}   ${ratio(s.drained[i]!, x.drainedSeconds)}`,
    );
  });
  console.log(`total time s         ${f(h.total)} ${f(s.total)}   ${ratio(s.total, h.total)}`);
  console.log(
    `failed requests      ${String(m.handoff.failed).padStart(8)} ${String(m.script.failed).padStart(8)}`,
  );
  m.local.value.hosts.forEach((x, i) => {
    console.log(
      `local artifact ${x.host}: out of rotation ${round(x.outOfRotationSeconds)} s, floor ${floor[i]} s (stop ${round(x.stopSeconds)} + boot ${round(x.bootSeconds)} + re-admission ${m.local.value.plan.readmitAfterSeconds} + ${FLOOR_SLACK_SECONDS}), ratio ${ratio(x.outOfRotationSeconds, floor[i]!)}; failed ${m.local.failed}`,
    );
  });
}

function rows(m: Measured): ReadmeRow[] {
  const hc = m.healthCheck;
  const at = `checks I=${hc.intervalSeconds} T=${hc.timeoutSeconds} N=${hc.unhealthyThreshold} H=${hc.healthyThreshold}`;
  const h = m.handoff.value;
  const s = m.script.value;
  const hd = h.hosts.map((x) => round(x.drainedSeconds));
  const sd = s.drained.map((x) => round(x));
  const local = m.local.value.hosts;
  const floor = floorOf(m);
  const how = 'node bench/deploy.ts';
  return [
    {
      what: `drained wait per host, termination mode, ${at}: handoff vs the field script's \`sleep ${sleepSeconds}\``,
      figure: `${hd.join(' / ')} s vs ${sd.join(' / ')} s (${ratio(s.drained[0]!, h.hosts[0]!.drainedSeconds)}x)`,
      how,
    },
    {
      what: `two-host deploy, ${at}, 40 req/s: total time and failed requests, handoff vs the script`,
      figure: `${round(h.total)} s vs ${round(s.total)} s (${ratio(s.total, h.total)}x); failed ${m.handoff.failed} of ${m.handoff.total} vs ${m.script.failed} of ${m.script.total}`,
      how,
    },
    {
      what: `out of rotation per host with a locally built artifact, ${at}: measured vs the floor stop + boot + re-admission window + ${FLOOR_SLACK_SECONDS} s`,
      figure: `${local.map((x) => round(x.outOfRotationSeconds)).join(' / ')} s vs ${floor.join(' / ')} s (${local.map((x, i) => ratio(x.outOfRotationSeconds, floor[i]!)).join(' / ')}x); failed ${m.local.failed} of ${m.local.total}`,
      how,
    },
  ];
}

const measured: Measured[] = [];
for (const name of sets) measured.push(await measure(name));
for (const m of measured) print(m);
const file = writeResults(
  'deploy',
  {
    settings: {
      sets: Object.fromEntries(sets.map((n) => [n, SETS[n]])),
      sleepSeconds,
      hosts: 2,
      loadRate: 40,
      build: BUILD,
      start: START,
      floorSlackSeconds: FLOOR_SLACK_SECONDS,
    },
    samples: measured,
    summary: Object.fromEntries(
      measured.map((m) => [
        m.name,
        {
          drainedWaitRatio: ratio(m.script.value.drained[0]!, m.handoff.value.hosts[0]!.drainedSeconds),
          totalRatio: ratio(m.script.value.total, m.handoff.value.total),
          failed: { handoff: m.handoff.failed, script: m.script.failed, local: m.local.failed },
          outOfRotationOverFloor: m.local.value.hosts.map((x, i) =>
            ratio(x.outOfRotationSeconds, floorOf(m)[i]!),
          ),
        },
      ]),
    ),
    readme: measured.flatMap(rows),
  },
  { smoke },
);
if (!smoke) regenerateReadme();
console.log(`results: ${file}`);
