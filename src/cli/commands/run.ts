// `deploy run`: plan, then the engine with SSH executors, or, with --dry-run, the same engine with
// a recording executor and virtual time (no side effects). Writes the report beside the events.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { realClock, VirtualClock } from '../../engine/clock.ts';
import { deploy } from '../../engine/deploy.ts';
import { type DeployEvent, emitter } from '../../engine/events.ts';
import { lockOwner } from '../../engine/locks.ts';
import { releaseId, uploaderFor } from '../../engine/source.ts';
import { UsageError } from '../../errors.ts';
import { LocalExecutor } from '../../executors/local.ts';
import { type Recorded, RecordingExecutor } from '../../executors/recording.ts';
import type { SamplerRun } from '../../memory/collect.ts';
import { renderPlanText } from '../../render/plan-text.ts';
import { buildReport } from '../../report/report.ts';
import { writeReportFiles } from '../../report/write.ts';
import type { Io } from '../io.ts';
import { connectHost } from './connect.ts';
import { makePlan } from './plan.ts';
import { renderers } from './renderers.ts';
import { beginSampling } from './sampling.ts';

export async function runCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const strategy = values.strategy as string | undefined;
  if (strategy !== undefined && strategy !== 'stop-first' && strategy !== 'build-first')
    throw new UsageError(`--strategy must be stop-first or build-first, got '${strategy}'`);
  const dryRun = Boolean(values['dry-run']);
  const { plan, config, hosts, configWarnings } = await makePlan({ ...values, strategy }, io);
  const human = values.json ? io.stderr : io.stdout;
  if (dryRun) human.write(renderPlanText({ ...plan, warnings: [...configWarnings, ...plan.warnings] }));

  const clock = dryRun ? new VirtualClock(Date.now()) : realClock;
  const id = releaseId(clock.now());
  const reportDir = resolve(io.cwd, (values['report-dir'] as string | undefined) ?? config.report.dir);
  const sinks: ((e: DeployEvent) => void)[] = [renderers(human, io.env)];
  if (!dryRun) {
    mkdirSync(reportDir, { recursive: true });
    const events = createWriteStream(resolve(reportDir, 'events.ndjson'));
    sinks.push((e) => events.write(`${JSON.stringify({ v: 1, ...e })}\n`));
  }
  const emit = emitter(clock, sinks);

  const controller = new AbortController();
  const onSignal = (sig: string) => {
    if (controller.signal.aborted) return;
    human.write(
      `\n${sig}: finishing the current step and restoring service (the lock is released at the end)\n`,
    );
    controller.abort(new Error(sig));
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);

  const recorded: Recorded[] = [];
  const samplers: SamplerRun[] = [];
  const startEpochMs = clock.now();
  const local = new LocalExecutor(io.cwd);
  try {
    const run = await deploy({
      config,
      plan,
      hosts,
      clock,
      signal: controller.signal,
      emit,
      releaseId: id,
      dryRun,
      allowDowntime: Boolean(values['allow-downtime']),
      owner: lockOwner({
        token: randomUUID(),
        user: safeUser(),
        pid: process.pid,
        now: clock.now(),
        env: io.env,
      }),
      connect: dryRun
        ? async (host) => new RecordingExecutor(host.name, recorded)
        : async (host) => {
            const exec = await connectHost(config, host, io.cwd);
            samplers.push(await beginSampling(exec, host.name, config, startEpochMs));
            return exec;
          },
      upload: dryRun
        ? async (_exec, dir) => `would upload ${JSON.stringify(config.app.source)} to ${dir}`
        : uploaderFor(config.app.source, local),
    });
    const report = buildReport(run, {
      app: config.app.name,
      releaseId: id,
      strategy: config.strategy,
      drainMode: config.drain.mode,
      dryRun,
    });
    if (dryRun) human.write(renderRecorded(recorded));
    else writeReportFiles(reportDir, report);
    emit({
      kind: 'deploy:end',
      result: run.result,
      exitCode: run.exitCode,
      ...(dryRun ? {} : { reportDir }),
    });
    if (run.error) human.write(`error: ${run.error}\n`);
    if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return run.exitCode;
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
  }
}

function renderRecorded(recorded: Recorded[]): string {
  const lines = recorded.map(
    (r) =>
      `  ${r.host.padEnd(6)} ${r.kind.padEnd(16)} ${r.command.replace(/^sh -c '(?:[^']|'\\'')*' handoff ?/, '')}`,
  );
  return `\nCommands the run would send (dry run: nothing was sent)\n${lines.join('\n')}\n`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
