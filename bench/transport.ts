// SSH against Systems Manager: the same two-host deploy in the same sandbox under the same load, over
// each transport in turn (alternating first, so drift in the machine's load hits both alike). Per
// run: every remote command's latency (HANDOFF_TRACE, under the step it ran in), each step's
// duration, the total, failed requests, remote calls (SSH: commands over one connection per host;
// SSM: commands, and the API requests the endpoint counted). The endpoint models the service's
// delays (docs/sandbox.md, "Systems Manager endpoint"); AWS's own vary.
// Needs root. Usage: node bench/transport.ts [--rounds 2] [--smoke]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { regenerateReadme } from '../scripts/gen-measured.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { startLoad } from '../scripts/sandbox/load.ts';
import { type SsmSandbox, startSsmSandbox } from '../scripts/sandbox/ssm/sandbox.ts';
import type { CallCounts } from '../scripts/sandbox/ssm/server.ts';
import type { SandboxState } from '../scripts/sandbox/state.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { sandboxConfig, startCli } from '../test/helpers/deploy-sandbox.ts';
import { AWS_ENV, SSM_START, ssmConfig } from '../test/helpers/ssm.ts';
import { withLoad } from './lib/deploy-runs.ts';
import { isSmoke, type ReadmeRow, writeResults } from './lib/results.ts';
import { median, ratio, round } from './lib/stats.ts';
import { attribute, parseTrace, type ReportHosts, stepSeconds, traceFigures } from './lib/trace-stats.ts';

type Transport = 'ssh' | 'ssm';
const { values } = parseArgs({ options: { rounds: { type: 'string' }, smoke: { type: 'boolean' } } });
const smoke = isSmoke();
const rounds = Number(values.rounds ?? (smoke ? 1 : 2));
const LOAD_RATE = 40;
const NEEDS: Record<Transport, string> = {
  ssh: 'sshd with port 22 reachable from the caller; the private key and known_hosts on the caller',
  ssm: 'the SSM agent and an instance profile (AmazonSSMManagedInstanceCore) on the host, outbound HTTPS from it; IAM ssm:SendCommand, GetCommandInvocation, ListCommandInvocations, CancelCommand for the caller; no key, no inbound port',
};

function diff(after: CallCounts, before: CallCounts): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v.calls - (before[k]?.calls ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
}

async function deployOnce(state: SandboxState, ssm: SsmSandbox, transport: Transport, n: number) {
  // The same app, start command (no env: ssm refuses env values) and build over both.
  const dir =
    transport === 'ssm' ? ssmConfig(state, ssm) : sandboxConfig(state, { app: { start: SSM_START } }).dir;
  const trace = join(dir, 'trace.ndjson');
  const before = structuredClone(ssm.endpoint.counts);
  const t0 = performance.now();
  const load = await withLoad(async () => {
    const r = await startCli(['run', '--yes'], dir, { ...AWS_ENV, HANDOFF_TRACE: trace }).done;
    if (r.code !== 0) throw new Error(`${transport} deploy failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  });
  const totalSeconds = round((performance.now() - t0) / 1000 - 1, 1); // withLoad lingers 1 s
  const report = JSON.parse(readFileSync(join(dir, 'report/report.json'), 'utf8')) as ReportHosts;
  const commands = attribute(parseTrace(readFileSync(trace, 'utf8')), report);
  const figures = traceFigures(commands);
  const api = diff(ssm.endpoint.counts, before);
  console.log(
    `[round ${n}] ${transport}: ${totalSeconds} s, ${figures.all.commands} commands (median ${figures.all.medianMs} ms, p90 ${figures.all.p90Ms} ms), failed ${load.failed} of ${load.total}${transport === 'ssm' ? `, API ${JSON.stringify(api)}` : ''}`,
  );
  return {
    transport,
    round: n,
    totalSeconds,
    failed: load.failed,
    requests: load.total,
    figures,
    stepSeconds: stepSeconds(report),
    apiCalls: api,
    commands,
  };
}
type Run = Awaited<ReturnType<typeof deployOnce>>;

async function measure(): Promise<Run[]> {
  const wasUp = isUp(readState());
  const state = wasUp ? (readState() as SandboxState) : await sandboxUp({ hosts: 2 });
  if (state.hosts.length < 2)
    throw new Error('the sandbox has fewer than 2 hosts: npm run sandbox:down first');
  const ssm = await startSsmSandbox(state);
  try {
    const warm = await startLoad({ rate: LOAD_RATE, seconds: 5 }).done;
    console.log(`warm-up: ${warm.failed} failed of ${warm.total}`);
    const runs: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: Transport[] = r % 2 ? ['ssm', 'ssh'] : ['ssh', 'ssm'];
      for (const t of order) runs.push(await deployOnce(state, ssm, t, r));
    }
    return runs;
  } finally {
    await ssm.stop();
    if (!wasUp) await sandboxDown();
  }
}

const runs = await measure();
const of = (t: Transport) => runs.filter((r) => r.transport === t);
const medianOf = (t: Transport, f: (r: Run) => number) => round(median(of(t).map(f)), 1);

function summaryOf(t: Transport) {
  const steps: Record<string, number[]> = {};
  for (const r of of(t))
    for (const [k, v] of Object.entries(r.stepSeconds)) steps[k] = [...(steps[k] ?? []), ...v];
  const f = traceFigures(of(t).flatMap((r) => r.commands));
  return {
    totalSeconds: medianOf(t, (r) => r.totalSeconds),
    command: f.all,
    commandByStep: f.byStep,
    commandByKind: f.byKind,
    stepSeconds: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, round(median(v), 1)])),
    commandsPerDeploy: medianOf(t, (r) => r.figures.calls),
    apiCallsPerDeploy: medianOf(t, (r) => Object.values(r.apiCalls).reduce((a, b) => a + b, 0)),
    apiCalls: of(t).map((r) => r.apiCalls),
    failed: of(t).reduce((n, r) => n + r.failed, 0),
    requests: of(t).reduce((n, r) => n + r.requests, 0),
    needs: NEEDS[t],
  };
}
const ssh = summaryOf('ssh');
const ssm = summaryOf('ssm');
const STEPS = ['preflight', 'upload', 'drain', 'wait', 'stop', 'build', 'start', 'health', 'admit', 'settle'];

function print(): void {
  const col = (v: unknown) => String(v).padStart(14);
  console.log(`\n${rounds} round(s), 2 hosts, ${LOAD_RATE} req/s          ssh           ssm     ssm/ssh`);
  console.log(
    `total time s           ${col(ssh.totalSeconds)}${col(ssm.totalSeconds)}  ${ratio(ssm.totalSeconds, ssh.totalSeconds)}`,
  );
  console.log(
    `command median/p90 ms  ${col(`${ssh.command.medianMs}/${ssh.command.p90Ms}`)}${col(`${ssm.command.medianMs}/${ssm.command.p90Ms}`)}  ${ratio(ssm.command.medianMs, ssh.command.medianMs)}`,
  );
  console.log(`commands per deploy    ${col(ssh.commandsPerDeploy)}${col(ssm.commandsPerDeploy)}`);
  console.log(`SSM API calls/deploy   ${col('-')}${col(ssm.apiCallsPerDeploy)}`);
  console.log(
    `failed requests        ${col(`${ssh.failed}/${ssh.requests}`)}${col(`${ssm.failed}/${ssm.requests}`)}`,
  );
  console.log('per step: duration s (median per host) | command median/p90 ms');
  for (const s of STEPS) {
    const a = ssh.commandByStep[s];
    const b = ssm.commandByStep[s];
    if (!a && !b) continue;
    console.log(
      `  ${s.padEnd(10)} ${col(ssh.stepSeconds[s])}${col(ssm.stepSeconds[s])} | ${col(a ? `${a.medianMs}/${a.p90Ms}` : '-')}${col(b ? `${b.medianMs}/${b.p90Ms}` : '-')}`,
    );
  }
}

function rows(): ReadmeRow[] {
  const how = 'node bench/transport.ts';
  const at = `two-host deploy, ${LOAD_RATE} req/s`;
  const stepList = (pick: (s: string) => string) =>
    STEPS.filter((s) => ssh.stepSeconds[s] !== undefined)
      .map(pick)
      .join(', ');
  return [
    {
      what: `one remote command, ${at}: median / p90, SSH vs SSM (the sandbox's Systems Manager endpoint)`,
      figure: `${ssh.command.medianMs} / ${ssh.command.p90Ms} ms vs ${ssm.command.medianMs} / ${ssm.command.p90Ms} ms (${ratio(ssm.command.medianMs, ssh.command.medianMs)}x)`,
      how,
    },
    {
      what: `${at}: total time and failed requests, SSH vs SSM`,
      figure: `${ssh.totalSeconds} s vs ${ssm.totalSeconds} s (${ratio(ssm.totalSeconds, ssh.totalSeconds)}x); failed ${ssh.failed} of ${ssh.requests} vs ${ssm.failed} of ${ssm.requests}`,
      how,
    },
    {
      what: `${at}: step durations per host (median), SSH vs SSM`,
      figure: stepList((s) => `${s} ${ssh.stepSeconds[s]} vs ${ssm.stepSeconds[s]} s`),
      how,
    },
    {
      what: `${at}: remote calls, SSH vs SSM`,
      figure: `${ssh.commandsPerDeploy} commands over one connection per host vs ${ssm.commandsPerDeploy} commands, ${ssm.apiCallsPerDeploy} Systems Manager API requests (SendCommand, GetCommandInvocation, ...)`,
      how,
    },
  ];
}

print();
const file = writeResults(
  'transport',
  {
    settings: { rounds, hosts: 2, loadRate: LOAD_RATE, needs: NEEDS },
    samples: runs,
    summary: { ssh, ssm, totalRatio: ratio(ssm.totalSeconds, ssh.totalSeconds) },
    readme: rows(),
  },
  { smoke },
);
if (!smoke) regenerateReadme();
console.log(`results: ${file}`);
