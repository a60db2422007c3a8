// The one command pipeline of `deploy run` and `deploy rollback` (docs/cli.md): the plan, the
// report directory, the clock (virtual in a dry run), the question, the outputs, the signals, the
// load balancer (balancer.ts: recording in a dry run), the sampler and the budget once every lock is held, the
// engine, then the report, the step summary, the chart, the last event and the JSON document.
// What differs between the two commands is their Job: the release, the question, the upload and
// what runs before any host (run's local build).
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { configRedactor, type Redactor } from '../../core/redact.ts';
import { type Clock, realClock, VirtualClock } from '../../engine/clock.ts';
import type { Uploader } from '../../engine/context.ts';
import { type DeployDeps, type DeployRun, deploy } from '../../engine/deploy.ts';
import type { EmitFn } from '../../engine/events.ts';
import { currentUser, lockOwner } from '../../engine/locks.ts';
import type { ReleaseCommit } from '../../engine/source.ts';
import { UsageError } from '../../errors.ts';
import { LocalExecutor } from '../../executors/local.ts';
import { limitTo, type Recorded, RecordingExecutor } from '../../executors/recording.ts';
import type { SamplerRun } from '../../memory/collect.ts';
import { renderPlanText } from '../../render/plan-text.ts';
import { renderRecorded } from '../../render/recorded.ts';
import { appendStepSummary } from '../../report/github-summary.ts';
import { buildReport } from '../../report/report.ts';
import { renderTerminalChart } from '../../report/terminal-chart.ts';
import { reportDirProblem } from '../../report/write.ts';
import type { Kind } from '../../runbook/types.ts';
import { transportFor } from '../../transports/registry.ts';
import { confirmOrCancel } from '../confirm.ts';
import type { Io } from '../io.ts';
import { interruptOnSignals } from '../signals.ts';
import { type Balancer, loadBalancer } from './balancer.ts';
import { connectHost } from './connect.ts';
import { declaredGradleBuild } from './gradle-files.ts';
import { makePlan, type Planned } from './plan.ts';
import { openRunOutput, type RunOutput } from './run-output.ts';
import {
  type BudgetRecord,
  beginSampling,
  checkBudget,
  finishSampling,
  memorySection,
  previousSamples,
  readHostPeaks,
  recordHostPeaks,
  stopSampling,
} from './sampling.ts';

type Values = Record<string, unknown>;

export type Job = {
  releaseId: string;
  /** Asked in an interactive terminal before a real run touches a host. */
  question: string;
  upload: Uploader;
  commit?: ReleaseCommit;
  /** Said in a real run's log before the hosts (uncommitted changes). */
  warning?: string;
  /** Runs once output and signals are up, before any host is touched (run's local build). */
  before?: (signal: AbortSignal, emit: EmitFn) => Promise<void>;
};

export type JobFor = (planned: Planned, clock: Clock, dryRun: boolean) => Promise<Job>;

type Session = {
  values: Values;
  io: Io;
  kind: Kind;
  planned: Planned;
  job: Job;
  dryRun: boolean;
  clock: Clock;
  reportDir: string;
  redact: Redactor;
  output: RunOutput;
  recorded: Recorded[];
  samplers: SamplerRun[];
  budgets: BudgetRecord[];
};

export async function runPipeline(kind: Kind, values: Values, io: Io, jobFor: JobFor): Promise<number> {
  const dryRun = Boolean(values['dry-run']);
  // A dry run may plan offline as `plan` does (labelled); a real run reads the target group or stops.
  const planned = await makePlan(values, io, { kind, offlineFallback: dryRun });
  const reportDir = resolve(
    io.cwd,
    (values['report-dir'] as string | undefined) ?? planned.config.report.dir,
  );
  // Before anything is touched: a report that cannot be written is a usage error, not a surprise later.
  const problem = dryRun ? undefined : reportDirProblem(reportDir);
  if (problem) throw new UsageError(`--report-dir (report.dir): ${problem}`);
  const clock = dryRun ? new VirtualClock(Date.now()) : realClock;
  const job = await jobFor(planned, clock, dryRun);
  if (!dryRun) await confirmOrCancel(io, Boolean(values.yes), job.question);
  const redact = configRedactor(planned.config);
  const human = values.json ? io.stderr : io.stdout;
  const output = openRunOutput({ human, env: io.env, clock, redact, ...(dryRun ? {} : { reportDir }) });
  const { plan, configWarnings } = planned;
  if (dryRun) output.say(renderPlanText({ ...plan, warnings: [...configWarnings, ...plan.warnings] }));
  else if (job.warning) output.emit({ kind: 'log', level: 'warn', message: job.warning });
  const s: Session = {
    values,
    io,
    kind,
    planned,
    job,
    dryRun,
    clock,
    reportDir,
    redact,
    output,
    recorded: [],
    samplers: [],
    budgets: [],
  };
  const interrupt = interruptOnSignals((text) => output.say(text));
  try {
    const balancer = await loadBalancer({
      planned,
      dryRun,
      allowDowntime: Boolean(values['allow-downtime']),
      recorded: s.recorded,
      say: (text) => output.say(text),
    });
    await job.before?.(interrupt.signal, output.emit);
    const run = await deploy(engineDeps(s, interrupt.signal, balancer)).catch(async (error: unknown) => {
      await stopSampling(s.samplers); // a refusal (lock, budget) still ends every channel it opened
      throw error;
    });
    return await finish(s, run);
  } finally {
    interrupt.dispose();
  }
}

function engineDeps(s: Session, signal: AbortSignal, { lb, maintenance }: Balancer): DeployDeps {
  const { config, plan, hosts, allHosts } = s.planned;
  const emit = s.output.emit;
  return {
    config,
    plan,
    hosts,
    peers: allHosts,
    clock: s.clock,
    signal,
    emit,
    releaseId: s.job.releaseId,
    dryRun: s.dryRun,
    allowDowntime: Boolean(s.values['allow-downtime']),
    ...(s.kind === 'rollback' ? { rollback: true } : {}),
    ...(s.job.commit ? { commit: s.job.commit } : {}),
    ...(lb ? { lb } : {}),
    ...(maintenance ? { maintenance } : {}),
    owner: lockOwner({
      token: randomUUID(),
      user: currentUser(),
      pid: process.pid,
      now: s.clock.now(),
      env: s.io.env,
      environment: plan.environment,
    }),
    connect: s.dryRun
      ? async (host) =>
          limitTo(new RecordingExecutor(host.name, s.recorded), transportFor(config, host).capabilities)
      : (host) =>
          connectHost(config, host, s.io.cwd, (message) =>
            emit({ kind: 'log', host: host.name, level: 'warn', message }),
          ),
    ...(s.dryRun ? {} : { prepare: prepareHost(s) }),
    // A rollback builds nothing: its peaks would not be the next deploy's.
    ...(s.dryRun || s.kind !== 'deploy' ? {} : { around: recordPeaks(s) }),
    upload: s.job.upload,
    // Local hooks run here, in the config's directory; a dry run records them under 'local'.
    local: s.dryRun ? new RecordingExecutor('local', s.recorded) : new LocalExecutor(s.io.cwd),
    localDir: s.io.cwd,
  };
}

// Only once every lock is ours: marks and the sampler on a host another deploy holds would break
// that deploy (its build.kill reads the marks). A rollback builds nothing: no budget to check.
function prepareHost(s: Session): NonNullable<DeployDeps['prepare']> {
  const { config } = s.planned;
  const startEpochMs = s.clock.now();
  const previous = s.kind === 'deploy' ? previousSamples(s.reportDir) : [];
  // Read once for every host: what the release's Gradle files declare, before any upload.
  const gradle = s.kind === 'deploy' ? declaredGradleBuild(config.app.source, s.io.cwd) : undefined;
  return async (host, exec) => {
    const warn = (message: string) => s.output.emit({ kind: 'log', host: host.name, level: 'warn', message });
    const sampler = await beginSampling(exec, host.name, config, startEpochMs, warn);
    s.samplers.push(sampler);
    if (s.kind !== 'deploy') return;
    const inputs = { previous, hostPeaks: await readHostPeaks(exec, config), gradle: await gradle };
    const budget = await checkBudget({ sampler, config, ...inputs, strict: Boolean(s.values.strict), warn });
    if (budget) s.budgets.push(budget);
  };
}

/** What the build and the new JVM took, kept on the host for the next deploy's budget. */
function recordPeaks(s: Session): NonNullable<DeployDeps['around']> {
  return async (host, exec, body) => {
    const outcome = await body();
    const sampler = s.samplers.find((x) => x.host === host.name);
    await recordHostPeaks(exec, s.planned.config, sampler, s.job.releaseId);
    return outcome;
  };
}

/** The report (written, summarized, charted), the last event, and the JSON document. */
async function finish(s: Session, run: DeployRun): Promise<number> {
  const { config, plan } = s.planned;
  const human = s.values.json ? s.io.stderr : s.io.stdout;
  // Hosts are prepared side by side: the samplers and budgets in the hosts' order again.
  const order = (x: { host: string }) => s.planned.hosts.findIndex((h) => h.name === x.host);
  s.samplers.sort((a, b) => order(a) - order(b));
  s.budgets.sort((a, b) => order(a) - order(b));
  const memory = await finishSampling(s.samplers, config.memory.intervalSeconds);
  const meta = {
    kind: s.kind,
    app: config.app.name,
    releaseId: s.job.releaseId,
    strategy: config.strategy,
    ...(plan.auto ? { auto: plan.auto } : {}),
    drainMode: config.drain.mode,
    dryRun: s.dryRun,
    commit: s.job.commit,
    environment: plan.environment,
  };
  const section = memory ? memorySection(memory, s.budgets, config.strategy) : null;
  const report = s.redact.deep(buildReport(run, meta, section));
  if (s.dryRun) s.output.say(renderRecorded(s.recorded, { verbose: Boolean(s.values.verbose) }));
  else {
    s.output.writeReport(s.reportDir, report, memory, plan);
    appendStepSummary(s.io.env, report, memory, { plan, reportDir: s.reportDir, log: human });
  }
  if (memory && (human as { isTTY?: boolean }).isTTY) human.write(renderTerminalChart(memory));
  s.output.emit({
    kind: 'deploy:end',
    result: run.result,
    exitCode: run.exitCode,
    ...(s.dryRun ? {} : { reportDir: s.reportDir }),
  });
  if (run.error) s.output.say(`error: ${run.error}\n`);
  if (s.values.json) s.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return run.exitCode;
}
