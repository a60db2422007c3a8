// Runs the real engine against recording executors and virtual time.

import type { DeployConfig } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { type DeployRun, deploy } from '../../src/engine/deploy.ts';
import { type DeployEvent, emitter } from '../../src/engine/events.ts';
import type { Maintenance } from '../../src/engine/maintenance.ts';
import { type Recorded, RecordingExecutor, type Responder } from '../../src/executors/recording.ts';
import { around, type Executor, type RunOptions } from '../../src/executors/types.ts';
import { buildPlan, type Facts, type Plan } from '../../src/plan/plan.ts';
import type { LoadBalancerPort } from '../../src/ports.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import type { Registry } from '../../src/runbook/registry.ts';
import { baseConfig } from './config.ts';

/**
 * The rolling runbook from the drain to the end when nothing comes between (no build after the
 * stop, no hooks): written by hand, so that a change to the order (the steps' ranks in
 * src/runbook/steps/) fails the tests that expect it.
 */
export const DRAIN_TO_SETTLE = ['drain', 'wait', 'stop', 'start', 'health', 'admit', 'settle'];

/** The facts `plan` gathers without AWS: the config's health-check numbers, a deregistration delay. */
export function configFacts(config: DeployConfig, hosts: string[], deregistrationDelaySeconds = 300): Facts {
  return {
    hosts,
    healthCheck: { ...config.loadBalancer.healthCheck!, source: 'config' },
    deregistrationDelay: { seconds: deregistrationDelaySeconds, source: 'config' },
  };
}

/** A raw config validated (its errors thrown) and planned for `hosts` with configFacts. */
export function planOf(
  raw: Record<string, unknown>,
  o: {
    hosts?: string[];
    deregistrationDelaySeconds?: number;
    kind?: 'deploy' | 'rollback';
    registry?: Registry;
  } = {},
): Plan {
  const parsed = validateConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const facts = configFacts(parsed.config, o.hosts ?? ['a'], o.deregistrationDelaySeconds);
  return buildPlan(parsed.config, facts, {
    ...(o.kind ? { kind: o.kind } : {}),
    ...(o.registry ? { registry: o.registry } : {}),
  });
}

export type EngineRun = {
  run: DeployRun;
  log: Recorded[];
  events: DeployEvent[];
  clock: VirtualClock;
  plan: Plan;
};

export async function runEngine(opts: {
  config?: Record<string, unknown>;
  /** May throw: the executor's run() then rejects (a connection that cannot be reopened). */
  respond?: (host: string, cmd: Cmd) => ReturnType<Responder>;
  allowDowntime?: boolean;
  abortWhen?: (host: string, cmd: Cmd) => boolean;
  clock?: VirtualClock;
  /**
   * As the SSH executor does: a command whose signal is aborted while it runs rejects and its
   * result is lost (the recording executor alone returns it).
   */
  sshLike?: boolean;
  /** `--hosts`: the hosts to deploy; every configured host stays a peer for the last-healthy guard. */
  select?: string[];
  /** A load balancer (deregister mode needs one). */
  lb?: { port: LoadBalancerPort; arn: string };
  /** The plan's kind: a rollback runs without upload and build. */
  kind?: 'deploy' | 'rollback';
  /** Sees every command with the options the engine gave it (a deadline, a signal). */
  observe?: (host: string, cmd: Cmd, opts: RunOptions) => void;
  /** Around each host's connection (may throw: the host cannot be reached). */
  connect?: (host: string, exec: Executor) => Promise<Executor>;
  /** The deploy's `prepare` (marks, sampler, budget), once every lock is held. */
  prepare?: (host: string) => Promise<void>;
  /** The maintenance response's listener (config `maintenance`, with --allow-downtime). */
  maintenance?: Maintenance;
  /** The runbook's steps, for plan and engine both (a test's registry with a step of its own). */
  registry?: Registry;
}): Promise<EngineRun> {
  const parsed = validateConfig(opts.config ?? baseConfig());
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const config = parsed.config;
  const all = Array.isArray(config.hosts) ? config.hosts : [];
  const hosts = opts.select ? all.filter((h) => opts.select?.includes(h.name)) : all;
  const plan = buildPlan(
    config,
    configFacts(
      config,
      hosts.map((h) => h.name),
    ),
    { ...(opts.kind ? { kind: opts.kind } : {}), ...(opts.registry ? { registry: opts.registry } : {}) },
  );
  const clock = opts.clock ?? new VirtualClock();
  const log: Recorded[] = [];
  const events: DeployEvent[] = [];
  const controller = new AbortController();
  const run = await deploy({
    config,
    plan,
    hosts,
    ...(opts.select ? { peers: all } : {}),
    clock,
    signal: controller.signal,
    emit: emitter(clock, [(e) => events.push(e)]),
    releaseId: 'r2',
    dryRun: false,
    allowDowntime: opts.allowDowntime ?? false,
    owner: {
      token: 'tok',
      owner: 'tester@box',
      pid: 1,
      machine: 'box',
      startedAt: new Date(0).toISOString(),
    },
    connect: async (host) => {
      const exec = new RecordingExecutor(host.name, log, (cmd) => {
        if (opts.abortWhen?.(host.name, cmd)) controller.abort();
        return opts.respond?.(host.name, cmd);
      });
      const seen = opts.observe
        ? around(exec, (_via, cmd, o, call) => {
            opts.observe?.(host.name, cmd, o);
            return call(o);
          })
        : exec;
      const made = opts.sshLike ? losingOnAbort(seen) : seen;
      return opts.connect ? opts.connect(host.name, made) : made;
    },
    ...(opts.prepare ? { prepare: (host: { name: string }) => opts.prepare!(host.name) } : {}),
    upload: async () => 'uploaded',
    // Local hooks, recorded under the host 'local' and answered by `respond('local', cmd)`.
    local: new RecordingExecutor('local', log, (cmd) => opts.respond?.('local', cmd)),
    localDir: '/work/app',
    ...(opts.lb ? { lb: opts.lb } : {}),
    ...(opts.maintenance ? { maintenance: opts.maintenance } : {}),
    ...(opts.registry ? { registry: opts.registry } : {}),
  });
  return { run, log, events, clock, plan };
}

function losingOnAbort(inner: Executor): Executor {
  return {
    name: inner.name,
    async run(cmd, o = {}) {
      o.signal?.throwIfAborted();
      const { signal, ...rest } = o;
      const r = await inner.run(cmd, rest);
      signal?.throwIfAborted();
      return r;
    },
    close: () => inner.close(),
  };
}

export const kinds = (log: Recorded[], host: string) => log.filter((r) => r.host === host).map((r) => r.kind);
