// `deploy run`: the pipeline (pipeline.ts) with a new release: uploaded, built on each host or once
// here before any host, its commit recorded. With --dry-run the same engine runs on recording
// executors and virtual time (no side effects).
import { resolve } from 'node:path';
import type { DeployConfig } from '../../config/schema.ts';
import type { EmitFn } from '../../engine/events.ts';
import { buildLocally, describeSource, releaseId, uploaderFor, withCommitFile } from '../../engine/source.ts';
import { EXIT, ExitError } from '../../errors.ts';
import { LocalExecutor } from '../../executors/local.ts';
import { runQuestion } from '../confirm.ts';
import type { Io } from '../io.ts';
import { releaseStoreFor } from './aws.ts';
import { sourceCommit } from './git-info.ts';
import { type Job, runPipeline } from './pipeline.ts';
import type { Planned } from './plan.ts';

export async function runCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  return runPipeline('deploy', values, io, (planned, clock, dryRun) =>
    newRelease(planned, clock.now(), dryRun, values, io),
  );
}

async function newRelease(
  { config, plan, uncommitted }: Planned,
  now: number,
  dryRun: boolean,
  values: Record<string, unknown>,
  io: Io,
): Promise<Job> {
  const commit = await sourceCommit(config.app.source, io.cwd);
  const id = releaseId(now);
  const localBuild = config.app.build.where === 'local';
  const buildDir = 'dir' in config.app.source ? resolve(io.cwd, config.app.source.dir) : io.cwd;
  // With ssm.bucket the tar goes up once to S3 and each host downloads it (docs/transports.md).
  const store = dryRun ? undefined : await releaseStoreFor(config);
  const upload = dryRun
    ? async () => `would upload ${describeSource(config.app.source)}`
    : uploaderFor(config.app.source, new LocalExecutor(io.cwd), {
        ...(localBuild ? { artifact: { dir: buildDir, path: config.app.build.artifact } } : {}),
        ...(store ? { store } : {}),
      });
  return {
    releaseId: id,
    question: runQuestion({
      app: config.app.name,
      releaseId: id,
      hosts: plan.hosts,
      strategy: config.strategy,
      mode: config.drain.mode,
      waitSeconds: plan.drain.waitSeconds,
      allowDowntime: Boolean(values['allow-downtime']),
      warnings: uncommitted ? [uncommitted] : [],
    }),
    upload: withCommitFile(upload, commit),
    ...(commit ? { commit } : {}),
    ...(uncommitted ? { warning: uncommitted } : {}),
    ...(localBuild && !dryRun ? { before: (signal, emit) => buildHere(config, buildDir, signal, emit) } : {}),
  };
}

/** Built here before any host is touched: a failing build changes nothing. */
async function buildHere(
  config: DeployConfig,
  dir: string,
  signal: AbortSignal,
  emit: EmitFn,
): Promise<void> {
  try {
    const detail = await buildLocally(new LocalExecutor(dir), config.app.build.command, signal);
    emit({ kind: 'log', level: 'info', message: `${config.app.build.command}: ${detail}` });
  } catch (error) {
    // Nothing on any host has changed yet: report it like any refusal, annotation included.
    const why = signal.aborted ? 'interrupted during the local build' : (error as Error).message;
    throw new ExitError(EXIT.failed, `${why}; no host was touched`);
  }
}
