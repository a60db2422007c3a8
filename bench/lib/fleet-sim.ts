// A fleet larger than any machine holds, simulated (bench/fleet-sim.ts): the real engine, its
// real steps, gate and waits, on recording executors and virtual time (EventClock: hosts side by
// side each sleep on their own). Each host is modelled as the sandbox's ALB model behaves: three
// nodes keep a connection and send a request every 100 ms until they apply the deregistration
// (1-10 s later, seeded), come back once the new registration has passed H checks; the target group
// answers DescribeTargetHealth from the same model. Every load-balancer call is counted per
// virtual second. Run as a child of the bench: prints one JSON line.
import { parseArgs } from 'node:util';
import { seeded } from '../../scripts/sandbox/elbv2/alb-runtime.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { deploy } from '../../src/engine/deploy.ts';
import { EventClock } from '../../src/engine/event-clock.ts';
import { emitter } from '../../src/engine/events.ts';
import { RecordingExecutor } from '../../src/executors/recording.ts';
import { buildPlan } from '../../src/plan/plan.ts';
import type { LoadBalancerPort, TargetState } from '../../src/ports.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { plainRenderer } from '../../src/render/plain.ts';
import { ssAt } from '../../test/helpers/traffic.ts';

const HC = { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 2, healthyThreshold: 2 };
const NODES = ['10.0.0.201', '10.0.0.202', '10.0.0.203'];
const BOOT_MS = 3000;

type HostModel = { deregAt?: number; startAt?: number; regAt?: number; lag: number[] };

/** Load-balancer calls by action, and per virtual second. */
export class CallLog {
  readonly at = new Map<string, number[]>();
  add(action: string, t: number): void {
    const list = this.at.get(action) ?? [];
    list.push(t);
    this.at.set(action, list);
  }
}

function targetGroup(models: Map<string, HostModel>, clock: EventClock, calls: CallLog, delayMs: number) {
  const checksMs = HC.healthyThreshold * HC.intervalSeconds * 1000;
  const state = (m: HostModel, t: number): TargetState['state'] => {
    if (m.regAt !== undefined) return t < m.regAt + checksMs ? 'initial' : 'healthy';
    if (m.deregAt !== undefined) return t < m.deregAt + delayMs ? 'draining' : 'unused';
    return 'healthy';
  };
  const port: LoadBalancerPort = {
    describeTargetGroup: async () => ({
      arn: 'arn:tg',
      name: 'tg',
      port: 8080,
      healthCheck: HC,
      healthCheckPath: '/health',
      deregistrationDelaySeconds: delayMs / 1000,
    }),
    async targetHealth(_arn, targets) {
      const t = clock.now();
      calls.add('DescribeTargetHealth', t);
      const ids = targets ? targets.map((x) => x.id) : [...models.keys()];
      return ids.map((id) => ({ id, state: state(models.get(id)!, t) }));
    },
    async deregister(_arn, target) {
      calls.add('DeregisterTargets', clock.now());
      const m = models.get(target.id)!;
      m.deregAt = clock.now();
      delete m.regAt;
    },
    async register(_arn, target) {
      calls.add('RegisterTargets', clock.now());
      models.get(target.id)!.regAt = clock.now();
    },
  };
  return port;
}

/** What the host answers at virtual time t: its sockets as the nodes use them, its health. */
function hostResponder(m: HostModel, clock: EventClock, t0: number, checksMs: number) {
  return (cmd: Cmd) => {
    const t = clock.now() - t0;
    if (cmd.kind === 'jvm.start') m.startAt = t;
    if (cmd.kind === 'health.probe')
      return { stdout: m.startAt !== undefined && t >= m.startAt + BOOT_MS ? '200' : '000' };
    if (cmd.kind !== 'traffic.sample') return undefined;
    const dereg = m.deregAt === undefined ? undefined : m.deregAt - t0;
    const reg = m.regAt === undefined ? undefined : m.regAt - t0;
    const nodes =
      m.startAt === undefined || t < m.startAt
        ? NODES.map((addr, k) => ({ addr, until: dereg === undefined ? Infinity : dereg + m.lag[k]! }))
        : NODES.map((addr, k) => ({
            addr,
            from: reg === undefined ? Infinity : reg + checksMs + m.lag[k]!,
            until: Infinity,
          }));
    return { stdout: ssAt({ nodes, ...(m.startAt !== undefined ? { restartAt: m.startAt } : {}) }, t) };
  };
}

export async function simulate(o: { hosts: number; batch: string; floor: string; seed: number }) {
  const names = Array.from({ length: o.hosts }, (_, i) => `h${i + 1}`);
  const ids = names.map((_, i) => `i-${String(i + 1).padStart(17, '0')}`);
  const parsed = validateConfig({
    app: { name: 'demo', dir: '/srv/demo', port: 8080 },
    hosts: names.map((name, i) => ({
      name,
      host: `10.1.${i >> 8}.${i & 255}`,
      user: 'ec2-user',
      instanceId: ids[i],
    })),
    loadBalancer: { targetGroup: 'tg', region: 'us-east-1' },
    drain: { mode: 'deregister', maxRequestSeconds: 5, marginSeconds: 1 },
    rollout: { batchSize: o.batch, minHealthy: o.floor },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const config = parsed.config;
  const delayMs = 60_000;
  const plan = buildPlan(config, {
    hosts: names,
    healthCheck: { ...HC, source: 'aws' },
    deregistrationDelay: { seconds: delayMs / 1000, source: 'aws' },
  });
  const clock = new EventClock();
  const t0 = clock.now();
  const random = seeded(o.seed);
  const models = new Map(
    ids.map((id) => [id, { lag: NODES.map(() => 1000 + random() * 9000) } as HostModel]),
  );
  const calls = new CallLog();
  const checksMs = HC.healthyThreshold * HC.intervalSeconds * 1000;
  let commands = 0;
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const render = plainRenderer(sink); // the CLI's own output work, written nowhere
  const run = await deploy({
    config,
    plan,
    hosts: config.hosts as never,
    clock,
    signal: new AbortController().signal,
    emit: emitter(clock, [render]),
    releaseId: 'r2',
    dryRun: true,
    allowDowntime: false,
    owner: {
      token: 't',
      owner: 'sim@bench',
      pid: 1,
      machine: 'bench',
      startedAt: new Date(t0).toISOString(),
    },
    lb: { port: targetGroup(models, clock, calls, delayMs), arn: 'arn:tg' },
    connect: async (host) => {
      const m = models.get(host.instanceId!)!;
      const respond = hostResponder(m, clock, t0, checksMs);
      return new RecordingExecutor(host.name, [], (cmd) => {
        commands++;
        return respond(cmd);
      });
    },
    upload: async () => 'uploaded',
  });
  return { run, calls, clock, t0, commands };
}

/** A token bucket (AWS's own algorithm for its API limits): the calls it would have refused. */
export function throttled(times: number[], bucket: { size: number; refillPerSecond: number }): number {
  let tokens = bucket.size;
  let last = times[0] ?? 0;
  let refused = 0;
  for (const t of times) {
    tokens = Math.min(bucket.size, tokens + ((t - last) / 1000) * bucket.refillPerSecond);
    last = t;
    if (tokens >= 1) tokens -= 1;
    else refused++;
  }
  return refused;
}

/** The busiest second (a window of 1,000 ms sliding over the calls) and the mean rate. */
export function rates(times: number[], spanMs: number) {
  let peak = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return { total: times.length, peakPerSecond: peak, meanPerSecond: times.length / (spanMs / 1000) };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '1000' },
      batch: { type: 'string', default: '10%' },
      floor: { type: 'string', default: '90%' },
      seed: { type: 'string', default: '7' },
    },
  });
  const t = performance.now();
  const r = await simulate({
    hosts: Number(values.hosts),
    batch: values.batch!,
    floor: values.floor!,
    seed: Number(values.seed),
  });
  const spanMs = r.clock.now() - r.t0;
  const api = Object.fromEntries(
    [...r.calls.at].map(([action, times]) => [
      action,
      {
        ...rates(times, spanMs),
        ...(action.startsWith('Describe')
          ? { refusedBy40and10: throttled(times, { size: 40, refillPerSecond: 10 }) }
          : {}),
      },
    ]),
  );
  process.stdout.write(
    `${JSON.stringify({
      hosts: Number(values.hosts),
      exitCode: r.run.exitCode,
      results: Object.fromEntries(
        [...new Set(r.run.hosts.map((h) => h.result))].map((k) => [
          k,
          r.run.hosts.filter((h) => h.result === k).length,
        ]),
      ),
      virtualSeconds: spanMs / 1000,
      engineMs: performance.now() - t,
      commands: r.commands,
      wakeUps: r.clock.wakeUps,
      api,
      cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      maxRssKb: process.resourceUsage().maxRSS,
    })}\n`,
  );
}
