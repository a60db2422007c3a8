// The rolling deploy: connect, lock every host, then one host at a time; stop at the first host
// that does not deploy (it has been restored), release the locks, and report.
import type { DeployConfig, StaticHost } from '../config/schema.ts';
import { EXIT } from '../errors.ts';
import type { Executor } from '../executors/types.ts';
import type { Plan } from '../plan/plan.ts';
import type { LoadBalancerPort } from '../ports.ts';
import * as c from '../remote/commands.ts';
import { layout } from '../remote/layout.ts';
import type { LockOwner } from '../remote/lock.ts';
import type { Clock } from './clock.ts';
import type { HostCtx, Uploader } from './context.ts';
import type { DeployResult, EmitFn } from './events.ts';
import { type HostOutcome, runHost } from './host.ts';
import { acquireLocks, releaseLocks } from './locks.ts';
import { PreflightError, stepsFor } from './steps.ts';

export type DeployDeps = {
  config: DeployConfig;
  plan: Plan;
  hosts: StaticHost[];
  connect: (host: StaticHost) => Promise<Executor>;
  upload: Uploader;
  clock: Clock;
  signal: AbortSignal;
  emit: EmitFn;
  releaseId: string;
  owner: LockOwner;
  allowDowntime: boolean;
  dryRun: boolean;
  lb?: { port: LoadBalancerPort; arn: string };
  /** Called around each host (the memory sampler hooks in here). */
  around?: (host: StaticHost, exec: Executor, body: () => Promise<HostOutcome>) => Promise<HostOutcome>;
};

export type HostReport = {
  name: string;
  release: { from: string | null; to: string };
  result: string;
  outcome: HostOutcome;
};
export type DeployRun = {
  result: DeployResult;
  exitCode: number;
  startedAt: string;
  endedAt: string;
  hosts: HostReport[];
  error?: string;
};

export async function deploy(deps: DeployDeps): Promise<DeployRun> {
  const { config, emit, clock } = deps;
  const startedAt = new Date(clock.now()).toISOString();
  const l = layout(config.app.dir);
  emit({
    kind: 'deploy:start',
    app: config.app.name,
    hosts: deps.hosts.map((h) => h.name),
    releaseId: deps.releaseId,
    strategy: config.strategy,
    mode: config.drain.mode,
    dryRun: deps.dryRun,
  });
  const execs = new Map<string, Executor>();
  const reports: HostReport[] = [];
  try {
    for (const host of deps.hosts) execs.set(host.name, await deps.connect(host));
    await acquireLocks(execs, l, deps.owner, config.lock.staleAfterMinutes, clock);
    try {
      for (const [index, host] of deps.hosts.entries()) {
        if (deps.signal.aborted) break;
        const exec = execs.get(host.name)!;
        emit({ kind: 'host:start', host: host.name, index, total: deps.hosts.length });
        const ctx = hostContext(deps, host, exec, execs);
        const body = () => runHost(ctx, stepsFor(config.strategy));
        const outcome = deps.around ? await deps.around(host, exec, body) : await body();
        reports.push({
          name: host.name,
          release: { from: ctx.state.previousRelease ?? null, to: deps.releaseId },
          result: outcome.result,
          outcome,
        });
        emit({ kind: 'host:end', host: host.name, result: outcome.result });
        await exec.run(
          c.appendHistory(l, {
            release: deps.releaseId,
            from: ctx.state.previousRelease ?? null,
            result: outcome.result,
            at: new Date(clock.now()).toISOString(),
            by: deps.owner.owner,
            runUrl: deps.owner.runUrl,
          }),
        );
        if (outcome.result !== 'deployed') break;
        const protect = [deps.releaseId, ...(ctx.state.previousRelease ? [ctx.state.previousRelease] : [])];
        await exec.run(c.pruneReleases(l, config.app.releases.keep, protect));
      }
    } finally {
      await releaseLocks(execs, l, deps.owner.token);
    }
  } finally {
    await Promise.all([...execs.values()].map((e) => e.close()));
  }
  for (const host of deps.hosts.slice(reports.length))
    reports.push({
      name: host.name,
      release: { from: null, to: deps.releaseId },
      result: 'skipped',
      outcome: { result: 'skipped', steps: [] },
    });
  const run = summarize(reports, startedAt, new Date(clock.now()).toISOString());
  if (deps.signal.aborted && run.result === 'deployed' && reports.some((r) => r.result === 'skipped'))
    return {
      ...run,
      result: 'rolled-back',
      exitCode: EXIT.failed,
      error: `interrupted: ${reports
        .filter((r) => r.result === 'skipped')
        .map((r) => r.name)
        .join(', ')} not deployed; the others run the new release`,
    };
  return run;
}

function hostContext(
  deps: DeployDeps,
  host: StaticHost,
  exec: Executor,
  execs: Map<string, Executor>,
): HostCtx {
  return {
    host,
    exec,
    layout: layout(deps.config.app.dir),
    config: deps.config,
    plan: deps.plan,
    releaseId: deps.releaseId,
    clock: deps.clock,
    signal: deps.signal,
    emit: deps.emit,
    state: {},
    upload: deps.upload,
    ...(deps.lb && host.instanceId
      ? {
          lb: {
            port: deps.lb.port,
            arn: deps.lb.arn,
            targetId: host.instanceId,
            targetPort: deps.config.app.port,
          },
        }
      : {}),
    others: [...execs.entries()]
      .filter(([name]) => name !== host.name)
      .map(([name, e]) => ({ name, exec: e })),
    allowDowntime: deps.allowDowntime,
  };
}

function summarize(hosts: HostReport[], startedAt: string, endedAt: string): DeployRun {
  const failed = hosts.find((h) => h.result === 'failed');
  const rolledBack = hosts.find((h) => h.result === 'rolled-back');
  if (failed) {
    const error = `${failed.name}: ${failed.outcome.error?.message}; rollback failed: ${failed.outcome.rollbackError?.message}`;
    return { result: 'failed', exitCode: EXIT.rollbackFailed, startedAt, endedAt, hosts, error };
  }
  if (rolledBack) {
    const err = rolledBack.outcome.error;
    // A preflight refusal changed nothing: that is a usage error, not a failed deploy.
    const exitCode = err instanceof PreflightError ? EXIT.usage : EXIT.failed;
    return {
      result: 'rolled-back',
      exitCode,
      startedAt,
      endedAt,
      hosts,
      error: `${rolledBack.name}: ${err?.message}`,
    };
  }
  return { result: 'deployed', exitCode: EXIT.deployed, startedAt, endedAt, hosts };
}
