// Runs the real engine against recording executors and virtual time.
import { validateConfig } from '../../src/config/validate.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import { type DeployRun, deploy } from '../../src/engine/deploy.ts';
import { type DeployEvent, emitter } from '../../src/engine/events.ts';
import { type Recorded, RecordingExecutor, type Responder } from '../../src/executors/recording.ts';
import { buildPlan } from '../../src/plan/plan.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { baseConfig } from './config.ts';

export type EngineRun = { run: DeployRun; log: Recorded[]; events: DeployEvent[]; clock: VirtualClock };

export async function runEngine(opts: {
  config?: Record<string, unknown>;
  respond?: (host: string, cmd: Cmd) => ReturnType<Responder>;
  allowDowntime?: boolean;
  abortWhen?: (host: string, cmd: Cmd) => boolean;
  clock?: VirtualClock;
}): Promise<EngineRun> {
  const parsed = validateConfig(opts.config ?? baseConfig());
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const config = parsed.config;
  const hosts = Array.isArray(config.hosts) ? config.hosts : [];
  const plan = buildPlan(config, {
    hosts: hosts.map((h) => h.name),
    healthCheck: { ...config.loadBalancer.healthCheck!, source: 'config' },
    deregistrationDelay: { seconds: 300, source: 'config' },
  });
  const clock = opts.clock ?? new VirtualClock();
  const log: Recorded[] = [];
  const events: DeployEvent[] = [];
  const controller = new AbortController();
  const run = await deploy({
    config,
    plan,
    hosts,
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
    connect: async (host) =>
      new RecordingExecutor(host.name, log, (cmd) => {
        if (opts.abortWhen?.(host.name, cmd)) controller.abort();
        return opts.respond?.(host.name, cmd);
      }),
    upload: async () => 'uploaded',
  });
  return { run, log, events, clock };
}

export const kinds = (log: Recorded[], host: string) => log.filter((r) => r.host === host).map((r) => r.kind);
