// `deploy run`: plan, then the engine with SSH executors, or, with --dry-run, the same engine with
// a recording executor and virtual time (no side effects). Writes the report beside the events.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { DeployConfig } from '../../config/schema.ts';
import { configRedactor } from '../../core/redact.ts';
import { realClock, VirtualClock } from '../../engine/clock.ts';
import { deploy } from '../../engine/deploy.ts';
import { currentUser, lockOwner } from '../../engine/locks.ts';
import { type Maintenance, maintenanceOf } from '../../engine/maintenance.ts';
import { buildLocally, describeSource, releaseId, uploaderFor, withCommitFile } from '../../engine/source.ts';
import { EXIT, ExitError, UsageError } from '../../errors.ts';
import { LocalExecutor } from '../../executors/local.ts';
import { limitTo, type Recorded, RecordingExecutor } from '../../executors/recording.ts';
import { offlineTargetGroup, RecordingLoadBalancer } from '../../executors/recording-lb.ts';
import { RecordingListener } from '../../executors/recording-listener.ts';
import type { SamplerRun } from '../../memory/collect.ts';
import type { LoadBalancerPort } from '../../ports.ts';
import { renderPlanText } from '../../render/plan-text.ts';
import { renderRecorded } from '../../render/recorded.ts';
import { appendStepSummary } from '../../report/github-summary.ts';
import { buildReport } from '../../report/report.ts';
import { renderTerminalChart } from '../../report/terminal-chart.ts';
import { reportDirProblem } from '../../report/write.ts';
import { transportFor } from '../../transports/registry.ts';
import { confirmOrCancel, runQuestion } from '../confirm.ts';
import type { Io } from '../io.ts';
import { interruptOnSignals } from '../signals.ts';
import { loadBalancerFor, maintenanceFor, releaseStoreFor } from './aws.ts';
import { connectHost } from './connect.ts';
import { sourceCommit } from './git-info.ts';
import { makePlan } from './plan.ts';
import { openRunOutput } from './run-output.ts';
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

export async function runCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const dryRun = Boolean(values['dry-run']);
  // A dry run may plan offline as `plan` does (labelled); a real run reads the target group or stops.
  const { plan, config, hosts, allHosts, configWarnings, uncommitted } = await makePlan(values, io, {
    offlineFallback: dryRun,
  });
  const human = values.json ? io.stderr : io.stdout;
  const redact = configRedactor(config);
  const reportDir = resolve(io.cwd, (values['report-dir'] as string | undefined) ?? config.report.dir);
  // Before anything is touched: a report that cannot be written is a usage error, not a surprise later.
  const reportProblem = dryRun ? undefined : reportDirProblem(reportDir);
  if (reportProblem) throw new UsageError(`--report-dir (report.dir): ${reportProblem}`);

  const commit = await sourceCommit(config.app.source, io.cwd);
  const clock = dryRun ? new VirtualClock(Date.now()) : realClock;
  const id = releaseId(clock.now());
  if (!dryRun)
    await confirmOrCancel(
      io,
      Boolean(values.yes),
      runQuestion({
        app: config.app.name,
        releaseId: id,
        hosts: plan.hosts,
        strategy: config.strategy,
        mode: config.drain.mode,
        waitSeconds: plan.drain.waitSeconds,
        allowDowntime: Boolean(values['allow-downtime']),
        warnings: uncommitted ? [uncommitted] : [],
      }),
    );
  const output = openRunOutput({ human, env: io.env, clock, redact, ...(dryRun ? {} : { reportDir }) });
  const { emit } = output;
  if (dryRun) output.say(renderPlanText({ ...plan, warnings: [...configWarnings, ...plan.warnings] }));
  else if (uncommitted) emit({ kind: 'log', level: 'warn', message: uncommitted });

  const interrupt = interruptOnSignals((text) => output.say(text));

  // The load balancer, when it can be asked (a target group): confirms drains and re-admission.
  const recorded: Recorded[] = [];
  const offline = plan.awsFallback ? offlineTargetGroup(config, allHosts, plan.healthCheck) : undefined;
  if (offline) output.say(`${offline.note}\n`);
  const live = offline ?? (await loadBalancerFor(config, { signal: interrupt.signal }));
  const lb =
    live && dryRun
      ? { ...live, port: new RecordingLoadBalancer(live.port, recorded, hostOfTarget(hosts)) }
      : live;
  const maintenance = values['allow-downtime']
    ? await maintenanceForRun(config, live, { dryRun, offline: Boolean(offline), recorded })
    : undefined;
  const samplers: SamplerRun[] = [];
  const budgets: BudgetRecord[] = [];
  const startEpochMs = clock.now();
  const previous = dryRun ? [] : previousSamples(reportDir);
  const local = new LocalExecutor(io.cwd);
  const localBuild = config.app.build.where === 'local';
  const buildDir = 'dir' in config.app.source ? resolve(io.cwd, config.app.source.dir) : io.cwd;
  try {
    if (localBuild && !dryRun) {
      // Built here before any host is touched: a failing build changes nothing.
      try {
        const detail = await buildLocally(
          new LocalExecutor(buildDir),
          config.app.build.command,
          interrupt.signal,
        );
        emit({ kind: 'log', level: 'info', message: `${config.app.build.command}: ${detail}` });
      } catch (error) {
        // Nothing on any host has changed yet: report it like any refusal, annotation included.
        const why = interrupt.signal.aborted
          ? 'interrupted during the local build'
          : (error as Error).message;
        throw new ExitError(EXIT.failed, `${why}; no host was touched`);
      }
    }
    const store = dryRun ? undefined : await releaseStoreFor(config);
    const run = await deploy({
      config,
      plan,
      hosts,
      clock,
      signal: interrupt.signal,
      emit,
      releaseId: id,
      dryRun,
      allowDowntime: Boolean(values['allow-downtime']),
      ...(commit ? { commit } : {}),
      ...(lb ? { lb } : {}),
      ...(maintenance ? { maintenance } : {}),
      owner: lockOwner({
        token: randomUUID(),
        user: currentUser(),
        pid: process.pid,
        now: clock.now(),
        env: io.env,
        environment: plan.environment,
      }),
      connect: dryRun
        ? async (host) =>
            limitTo(new RecordingExecutor(host.name, recorded), transportFor(config, host).capabilities)
        : (host) =>
            connectHost(config, host, io.cwd, (message) =>
              emit({ kind: 'log', host: host.name, level: 'warn', message }),
            ),
      // Only once every lock is ours: marks and the sampler on a host another deploy holds would
      // break that deploy (its build.kill reads the marks).
      ...(dryRun
        ? {}
        : {
            prepare: async (host, exec) => {
              const warn = (message: string) =>
                emit({ kind: 'log', host: host.name, level: 'warn', message });
              const sampler = await beginSampling(exec, host.name, config, startEpochMs, warn);
              samplers.push(sampler);
              const budget = await checkBudget({
                sampler,
                config,
                previous,
                hostPeaks: await readHostPeaks(exec, config),
                strict: Boolean(values.strict),
                warn,
              });
              if (budget) budgets.push(budget);
            },
            // What the build and the new JVM took, kept on the host for the next deploy's budget.
            around: async (host, exec, body) => {
              const outcome = await body();
              await recordHostPeaks(
                exec,
                config,
                samplers.find((s) => s.host === host.name),
                id,
              );
              return outcome;
            },
          }),
      peers: allHosts,
      // Local hooks run here, in the config's directory; a dry run records them under 'local'.
      local: dryRun ? new RecordingExecutor('local', recorded) : local,
      localDir: io.cwd,
      upload: withCommitFile(
        dryRun
          ? async () => `would upload ${describeSource(config.app.source)}`
          : uploaderFor(config.app.source, local, {
              ...(localBuild ? { artifact: { dir: buildDir, path: config.app.build.artifact } } : {}),
              ...(store ? { store } : {}),
            }),
        commit,
      ),
    }).catch(async (error: unknown) => {
      await stopSampling(samplers); // a refusal (lock, budget) still ends every channel it opened
      throw error;
    });
    // Hosts are prepared side by side: the samplers and budgets in the hosts' order again.
    const order = (x: { host: string }) => hosts.findIndex((h) => h.name === x.host);
    samplers.sort((a, b) => order(a) - order(b));
    budgets.sort((a, b) => order(a) - order(b));
    const memory = await finishSampling(samplers, config.memory.intervalSeconds);
    const meta = {
      app: config.app.name,
      releaseId: id,
      strategy: config.strategy,
      ...(plan.auto ? { auto: plan.auto } : {}),
      drainMode: config.drain.mode,
      dryRun,
      commit,
      environment: plan.environment,
    };
    const report = redact.deep(
      buildReport(run, meta, memory ? memorySection(memory, budgets, config.strategy) : null),
    );
    if (dryRun) output.say(renderRecorded(recorded, { verbose: Boolean(values.verbose) }));
    else output.writeReport(reportDir, report, memory, plan);
    if (!dryRun) appendStepSummary(io.env, report, memory, { plan, reportDir, log: human });
    if (memory && (human as { isTTY?: boolean }).isTTY) human.write(renderTerminalChart(memory));
    emit({
      kind: 'deploy:end',
      result: run.result,
      exitCode: run.exitCode,
      ...(dryRun ? {} : { reportDir }),
    });
    if (run.error) output.say(`error: ${run.error}\n`);
    if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return run.exitCode;
  } finally {
    interrupt.dispose();
  }
}

/** The maintenance rule's listener: checked live (exit 2), its writes recorded in a dry run, unread offline. */
async function maintenanceForRun(
  config: DeployConfig,
  lb: { port: LoadBalancerPort; arn: string } | undefined,
  o: { dryRun: boolean; offline: boolean; recorded: Recorded[] },
): Promise<Maintenance | undefined> {
  if (!config.maintenance || !lb) return undefined;
  if (o.offline) return maintenanceOf(config.maintenance, new RecordingListener(undefined, o.recorded));
  const m = await maintenanceFor(config, lb);
  return m && o.dryRun ? { ...m, port: new RecordingListener(m.port, o.recorded) } : m;
}

function hostOfTarget(hosts: { name: string; instanceId?: string }[]): (id: string) => string {
  return (id) => hosts.find((h) => h.instanceId === id)?.name ?? id;
}
