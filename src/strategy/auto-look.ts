// What `strategy: 'auto'` reads on a host before it decides, all of it read-only (no lock, no mark,
// no file written): the live port (a swap may have moved the app), the old JVM on it and its RSS,
// one tick of the memory sampler (the same source the deploy's sampler uses), and whether another
// target of the group is healthy. Contract: docs/contracts.md, "auto".
import type { DeployConfig, StaticHost } from '../config/schema.ts';
import { check, type Executor } from '../executors/types.ts';
import { type BudgetInput, budgetInputFrom } from '../memory/budget.ts';
import type { BuildJvm } from '../memory/gradle.ts';
import type { LoadBalancerPort } from '../ports.ts';
import * as c from '../remote/commands.ts';
import { layout } from '../remote/layout.ts';
import { parsePeaks, readPeaks } from '../remote/peaks.ts';
import { sampleOnce } from '../remote/sampler.ts';
import * as sw from '../remote/swap.ts';
import { type MemorySample, parseSamplerLine, toMemorySample } from '../sampler/parse.ts';

export type HostLook = { input: BudgetInput; otherHealthyTarget: boolean; oldPid?: number };

export async function lookAtHost(opts: {
  config: DeployConfig;
  host: StaticHost;
  exec: Executor;
  /** Executors of the other configured hosts (their /health counts when there is no target group). */
  others: Executor[];
  lb?: { port: LoadBalancerPort; arn: string };
  previous: MemorySample[];
  /** What the release's Gradle files declare: the deploy's budget uses the same (src/cli/commands/gradle-files.ts). */
  gradle?: BuildJvm[] | undefined;
  signal?: AbortSignal;
}): Promise<HostLook> {
  const { config, exec, host } = opts;
  const l = layout(config.app.dir);
  const run = (cmd: Parameters<Executor['run']>[0]) => check(exec, cmd, { signal: opts.signal });
  const live = sw.parseLivePort((await run(sw.readLivePort(l))).stdout, config.app.port);
  const [how, pidText] = ((await run(c.findJvm(l, live))).stdout.trim().split('\n')[0] ?? '').split(' ');
  const oldPid = pidText && (how === 'pidfile' || how === 'port') ? Number(pidText) : undefined;
  const first = await oneSample(exec, config, host.name, opts.signal);
  if (oldPid) {
    const kb = Number((await run(c.jvmRss(oldPid))).stdout.trim());
    if (Number.isFinite(kb) && kb > 0) first.oldRssKb = kb;
  }
  const peaks = parsePeaks((await run(readPeaks(l))).stdout);
  return {
    input: budgetInputFrom(first, config.memory, config.app.build.where, opts.previous, peaks, opts.gradle),
    otherHealthyTarget: await anotherHealthyTarget(opts),
    ...(oldPid ? { oldPid } : {}),
  };
}

async function oneSample(
  exec: Executor,
  config: DeployConfig,
  host: string,
  signal?: AbortSignal,
): Promise<MemorySample> {
  const r = await check(
    exec,
    sampleOnce(config.memory.source, config.memory.cgroupPath),
    signal ? { signal } : {},
  );
  for (const line of r.stdout.split('\n')) {
    const parsed = parseSamplerLine(line);
    if (parsed.kind === 'sample') return toMemorySample(parsed, { host, startEpochMs: Date.now() });
  }
  throw new Error(
    `${host}: the memory sampler gave no sample (${r.stdout.trim() || r.stderr.trim() || 'no output'})`,
  );
}

async function anotherHealthyTarget(opts: Parameters<typeof lookAtHost>[0]): Promise<boolean> {
  if (opts.lb) {
    const states = await opts.lb.port.targetHealth(opts.lb.arn);
    return states.some((s) => s.id !== opts.host.instanceId && s.state === 'healthy');
  }
  const { path, expectStatus } = opts.config.app.health;
  for (const other of opts.others) {
    const r = await other.run(
      c.probeHealth(opts.config.app.port, path),
      opts.signal ? { signal: opts.signal } : {},
    );
    if (r.stdout.trim() === String(expectStatus)) return true;
  }
  return false;
}
