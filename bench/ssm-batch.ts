// One SendCommand per host against one per batch: the same four-host deploy over Systems Manager in
// batches of two under the same load, with `ssm.joinWindowMs: 0` (every host sends its own) and with
// the default window (the hosts of a batch share the same command, docs/transports.md "Batches"),
// alternating which goes first. Per run: the total, failed requests, commands run (HANDOFF_TRACE)
// and the API requests the sandbox's endpoint counted per action.
// Needs root. Usage: node bench/ssm-batch.ts [--rounds 2] [--smoke]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { SSM } from '../scripts/sandbox/contract.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { type SsmSandbox, startSsmSandbox } from '../scripts/sandbox/ssm/sandbox.ts';
import type { CallCounts } from '../scripts/sandbox/ssm/server.ts';
import { readState, type SandboxState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { startCli } from '../test/helpers/deploy-sandbox.ts';
import { AWS_ENV, ssmConfig } from '../test/helpers/ssm.ts';
import { withLoad } from './lib/deploy-runs.ts';
import { isSmoke, type ReadmeRow, writeResults } from './lib/results.ts';
import { median, ratio, round } from './lib/stats.ts';
import { parseTrace } from './lib/trace-stats.ts';

type Mode = 'per-host' | 'joint';
const WINDOW_MS: Record<Mode, number> = { 'per-host': 0, joint: 50 };
const HOSTS = 4;
const ROLLOUT = { batchSize: 2, minHealthy: 2 };
const { values } = parseArgs({ options: { rounds: { type: 'string' }, smoke: { type: 'boolean' } } });
const smoke = isSmoke();
const rounds = Number(values.rounds ?? (smoke ? 1 : 2));

function diff(after: CallCounts, before: CallCounts): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v.calls - (before[k]?.calls ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
}

async function deployOnce(state: SandboxState, ssm: SsmSandbox, mode: Mode, n: number) {
  const dir = ssmConfig(state, ssm, undefined, {
    extra: {
      rollout: ROLLOUT,
      ssm: { endpoint: ssm.endpoint.url, region: SSM.region, joinWindowMs: WINDOW_MS[mode] },
    },
  });
  const trace = join(dir, 'trace.ndjson');
  const before = structuredClone(ssm.endpoint.counts);
  const t0 = performance.now();
  const load = await withLoad(async () => {
    const r = await startCli(['run', '--yes'], dir, { ...AWS_ENV, HANDOFF_TRACE: trace }).done;
    if (r.code !== 0) throw new Error(`${mode} deploy failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  });
  const totalSeconds = round((performance.now() - t0) / 1000 - 1, 1); // withLoad lingers 1 s
  const commands = parseTrace(readFileSync(trace, 'utf8')).length;
  const api = diff(ssm.endpoint.counts, before);
  const requests = Object.values(api).reduce((a, b) => a + b, 0);
  const run = {
    mode,
    round: n,
    totalSeconds,
    failed: load.failed,
    loadRequests: load.total,
    commands,
    sendCommand: api.SendCommand ?? 0,
    apiRequests: requests,
    apiCalls: api,
  };
  console.log(
    `[round ${n}] ${mode}: ${totalSeconds} s, ${commands} commands, ${run.sendCommand} SendCommand, ${requests} API requests ${JSON.stringify(api)}, failed ${load.failed} of ${load.total}`,
  );
  return run;
}
type Run = Awaited<ReturnType<typeof deployOnce>>;

async function measure(): Promise<Run[]> {
  const wasUp = isUp(readState());
  const state = wasUp ? (readState() as SandboxState) : await sandboxUp({ hosts: HOSTS });
  if (state.hosts.length < HOSTS)
    throw new Error(`the sandbox has fewer than ${HOSTS} hosts: npm run sandbox:down first`);
  const ssm = await startSsmSandbox(state);
  try {
    const runs: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: Mode[] = r % 2 ? ['joint', 'per-host'] : ['per-host', 'joint'];
      for (const m of order) runs.push(await deployOnce(state, ssm, m, r));
    }
    return runs;
  } finally {
    await ssm.stop();
    if (!wasUp) await sandboxDown();
  }
}

const runs = await measure();
const of = (m: Mode) => runs.filter((r) => r.mode === m);
const med = (m: Mode, f: (r: Run) => number) => round(median(of(m).map(f)), 1);
const summaryOf = (m: Mode) => ({
  totalSeconds: med(m, (r) => r.totalSeconds),
  commands: med(m, (r) => r.commands),
  sendCommand: med(m, (r) => r.sendCommand),
  sendPerCommand: round(median(of(m).map((r) => r.sendCommand / r.commands)), 2),
  apiRequests: med(m, (r) => r.apiRequests),
  failed: of(m).reduce((n, r) => n + r.failed, 0),
  loadRequests: of(m).reduce((n, r) => n + r.loadRequests, 0),
});
const perHost = summaryOf('per-host');
const joint = summaryOf('joint');

const col = (v: unknown) => String(v).padStart(12);
console.log(
  `\n${rounds} round(s), ${HOSTS} hosts in batches of 2, ssm    per-host       joint   joint/per-host`,
);
for (const [label, k] of [
  ['total time s', 'totalSeconds'],
  ['commands', 'commands'],
  ['SendCommand', 'sendCommand'],
  ['SendCommand/command', 'sendPerCommand'],
  ['API requests', 'apiRequests'],
] as const)
  console.log(`${label.padEnd(28)}${col(perHost[k])}${col(joint[k])}  ${ratio(joint[k], perHost[k])}`);
console.log(
  `${'failed requests'.padEnd(28)}${col(`${perHost.failed}/${perHost.loadRequests}`)}${col(`${joint.failed}/${joint.loadRequests}`)}`,
);

function rows(): ReadmeRow[] {
  const how = 'node bench/ssm-batch.ts';
  const at = `${HOSTS}-host deploy over SSM in batches of 2, 40 req/s`;
  return [
    {
      what: `${at}: SendCommand requests, one per host vs one per batch (ssm.joinWindowMs 0 vs 50)`,
      figure: `${perHost.sendCommand} vs ${joint.sendCommand} (${perHost.sendPerCommand} vs ${joint.sendPerCommand} per command run; ${ratio(joint.sendCommand, perHost.sendCommand)}x)`,
      how,
    },
    {
      what: `${at}: all Systems Manager API requests, total time and failed requests, per host vs per batch`,
      figure: `${perHost.apiRequests} vs ${joint.apiRequests} requests; ${perHost.totalSeconds} s vs ${joint.totalSeconds} s; failed ${perHost.failed} of ${perHost.loadRequests} vs ${joint.failed} of ${joint.loadRequests}`,
      how,
    },
  ];
}

const file = writeResults(
  'ssm-batch',
  {
    settings: { rounds, hosts: HOSTS, rollout: ROLLOUT, joinWindowMs: WINDOW_MS, loadRate: 40 },
    samples: runs,
    summary: { perHost, joint },
    readme: rows(),
  },
  { smoke },
);
if (!smoke) regenerateReadme();
console.log(`results: ${file}`);
