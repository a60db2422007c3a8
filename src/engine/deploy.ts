// The rolling deploy: connect, lock every host, prepare them (marks, sampler, budget: only under
// our lock), then host by host or in batches (fleet.ts); stop at the first host that does not
// deploy (it has been restored), release the locks, close every connection, and report.
import type { DeployConfig, StaticHost } from '../config/schema.ts';
import type { Executor } from '../executors/types.ts';
import type { Plan } from '../plan/plan.ts';
import type { LoadBalancerPort } from '../ports.ts';
import { layout } from '../remote/layout.ts';
import type { LockOwner } from '../remote/lock.ts';
import { withSharedHealth } from '../rollout/shared-health.ts';
import type { Registry } from '../runbook/registry.ts';
import type { Clock } from './clock.ts';
import type { HostCtx, Uploader } from './context.ts';
import { eachHost, OPEN_AT_ONCE, valuesOrThrow } from './each-host.ts';
import type { EmitFn } from './events.ts';
import { fleetFor, gated, heldBack, refuseImpossibleFloor, runBatches } from './fleet.ts';
import { type HostOutcome, runHost } from './host.ts';
import { acquireLocks, releaseLocks } from './locks.ts';
import type { Maintenance } from './maintenance.ts';
import { type DeployRun, type HostReport, outcomeOf, withSkipped } from './outcome.ts';
import { bestEffort, recordHost } from './record.ts';
import { rollBackDeployed } from './rollback-all.ts';
import { type HostRunbook, planned } from './runbooks.ts';
import type { ReleaseCommit } from './source.ts';

export type DeployDeps = {
  config: DeployConfig;
  plan: Plan;
  hosts: StaticHost[];
  /**
   * Every configured host (`--hosts` selects fewer): the last-healthy guard probes them all, so a
   * healthy host left out of the selection still counts. Never locked, drained or changed.
   */
  peers?: StaticHost[];
  connect: (host: StaticHost) => Promise<Executor>;
  /** Runs on each host once every lock is held, before the first host (marks, sampler, budget). */
  prepare?: (host: StaticHost, exec: Executor) => Promise<void>;
  upload: Uploader;
  clock: Clock;
  signal: AbortSignal;
  emit: EmitFn;
  releaseId: string;
  owner: LockOwner;
  allowDowntime: boolean;
  dryRun: boolean;
  lb?: { port: LoadBalancerPort; arn: string };
  /** The maintenance response (config `maintenance`), for a host drained with no other target. */
  maintenance?: Maintenance;
  /** The git commit of the release, recorded in each host's history entry. */
  commit?: ReleaseCommit;
  rollback?: boolean;
  /** Runs `where: 'local'` hooks in `localDir` (the config's directory; docs/hooks.md). */
  local?: Executor;
  localDir?: string;
  /** Called around each host's steps (run records the build's and new JVM's peaks on the host after it). */
  around?: (host: StaticHost, exec: Executor, body: () => Promise<HostOutcome>) => Promise<HostOutcome>;
  /** The runbook's steps the plan was built from (default: the registry; a test may add one). */
  registry?: Registry;
};

export type { DeployRun, HostReport };

export async function deploy(given: DeployDeps): Promise<DeployRun> {
  refuseImpossibleFloor(given);
  const deps = withSharedHealth(given); // hosts side by side: one DescribeTargetHealth for all
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
  const peerExecs = new Map<string, Executor>();
  const reports: HostReport[] = [];
  let rolledBackToo = '';
  try {
    await connectAll(deps, execs);
    await acquireLocks(execs, l, deps.owner, {
      staleAfterMinutes: config.lock.staleAfterMinutes,
      waitSeconds: config.lock.waitSeconds,
      clock,
      signal: deps.signal,
      onWait: (message) => emit({ kind: 'log', level: 'info', message }),
    });
    try {
      const { prepare } = deps;
      if (prepare)
        valuesOrThrow(await eachHost(deps.hosts, (h) => prepare(h, execs.get(h.name)!), OPEN_AT_ONCE));
      await connectPeers(deps, execs, peerExecs);
      const all = new Map([...execs, ...peerExecs]);
      reports.push(...(await rollOut(deps, all)));
      rolledBackToo = await rollBackIfAsked(deps, reports, all);
    } finally {
      await bestEffort(emit, undefined, () => releaseLocks(execs, l, deps.owner.token));
    }
  } finally {
    const all = [...execs.values(), ...peerExecs.values()];
    await Promise.all(all.map((e) => e.close().catch(() => undefined)));
  }
  return outcomeOf(withSkipped(deps.hosts, deps.releaseId, reports), {
    startedAt,
    endedAt: new Date(clock.now()).toISOString(),
    aborted: deps.signal.aborted,
    rolledBackToo,
  });
}

/**
 * The plan's own list, host by host or in batches: plan, dry run and run execute the same steps,
 * every host of a batch too (the floor gate in front of its drain).
 */
async function rollOut(deps: DeployDeps, all: Map<string, Executor>): Promise<HostReport[]> {
  const book = await planned(deps.plan, deps.rollback ? 'rollback' : 'deploy', deps.registry);
  const { batchSize, gate } = fleetFor(deps, all);
  const d = gate ? { ...deps, emit: gate.watch(deps.emit) } : deps;
  const steps = gate ? { ...book, steps: gated(book.steps, gate) } : book;
  return runBatches(deps.hosts, batchSize, deps.signal, gate, (host, index) =>
    deployHost(d, host, index, all, steps),
  );
}

/** rollout.onFailure 'rollback-all': the hosts deployed go back, behind a gate of their own. */
async function rollBackIfAsked(
  deps: DeployDeps,
  reports: HostReport[],
  all: Map<string, Executor>,
): Promise<string> {
  if (deps.config.rollout.onFailure !== 'rollback-all') return '';
  const { batchSize, gate } = fleetFor(deps, all);
  return rollBackDeployed(reports, {
    plan: deps.plan,
    hosts: deps.hosts,
    batchSize,
    signal: deps.signal,
    ...(gate ? { gate } : {}),
    again: (host, index, release, book) =>
      deployHost({ ...deps, releaseId: release, rollback: true }, host, index, all, book),
  });
}

/** One host through its steps, its report, and its line in the host's history (best effort). */
async function deployHost(
  deps: DeployDeps,
  host: StaticHost,
  index: number,
  execs: Map<string, Executor>,
  book: HostRunbook,
): Promise<HostReport> {
  const { emit } = deps;
  const exec = execs.get(host.name)!;
  emit({ kind: 'host:start', host: host.name, index, total: deps.hosts.length });
  const ctx = hostContext(deps, host, exec, execs);
  const body = () => runHost(ctx, book);
  const outcome = deps.around ? await deps.around(host, exec, body) : await body();
  const report = {
    name: host.name,
    release: { from: ctx.state.previousRelease ?? null, to: deps.releaseId },
    result: heldBack(outcome) ? 'skipped' : outcome.result,
    outcome,
  };
  emit({ kind: 'host:end', host: host.name, result: report.result as HostOutcome['result'] });
  // Bookkeeping is best effort: a lost connection must not hide the host's real outcome.
  await bestEffort(emit, host.name, () => recordHost(deps, exec, ctx.state.previousRelease, outcome.result));
  return report;
}

/** Every host side by side; the connections made are kept (and closed) even when another fails. */
async function connectAll(deps: DeployDeps, execs: Map<string, Executor>): Promise<void> {
  const opened = await eachHost(deps.hosts, (host) => deps.connect(host));
  opened.forEach((r, i) => {
    if (r.status === 'fulfilled') execs.set(deps.hosts[i]!.name, r.value);
  });
  valuesOrThrow(opened);
}

// Hosts left out by --hosts, for the last-healthy guard only. One that cannot be reached is not
// an error (it may be why it was left out): it just does not count as healthy.
async function connectPeers(
  deps: DeployDeps,
  execs: Map<string, Executor>,
  into: Map<string, Executor>,
): Promise<void> {
  const peers = (deps.peers ?? []).filter((p) => !execs.has(p.name));
  const opened = await eachHost(peers, (peer) => deps.connect(peer));
  opened.forEach((r, i) => {
    const peer = peers[i]!;
    if (r.status === 'fulfilled') into.set(peer.name, r.value);
    else
      deps.emit({
        kind: 'log',
        host: peer.name,
        level: 'warn',
        message: `not deployed (--hosts) and unreachable, so it does not count as a healthy target: ${(r.reason as Error).message}`,
      });
  });
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
    ...(deps.maintenance ? { maintenance: deps.maintenance } : {}),
    ...(deps.rollback ? { rollback: true } : {}),
    hooksAt: { local: deps.local, localDir: deps.localDir ?? '.', commit: deps.commit, dryRun: deps.dryRun },
  };
}
