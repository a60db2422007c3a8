// `npm run sandbox:up -- [--hosts N] [--interval S] [--timeout S] [--unhealthy N] [--healthy N]
//  [--deregistration-delay S] [--lb haproxy|alb] [--nodes N] [--propagation MIN-MAX] [--seed N]
//  [--heap-mb N]`:
// builds the sandbox (docs/sandbox.md). Idempotent: a running sandbox is left as it is; a half-made
// one is torn down first. The load balancer and the ELBv2 endpoint: up-lb.ts.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkHealthCheck } from '../../src/plan/drain.ts';
import { DEFAULT_PROPAGATION, parsePropagation } from './alb.ts';
import { buildRelease } from './app.ts';
import { detectCgroup } from './cgroup.ts';
import {
  BRIDGE,
  BRIDGE_IP,
  DEFAULT_HEALTH_CHECK,
  type HealthCheckSettings,
  hostSpec,
  PREFIX_LEN,
  SANDBOX_DIR,
} from './contract.ts';
import { sandboxDown } from './down.ts';
import {
  createHost,
  ensureSystemDirs,
  initialStart,
  startInitialApp,
  verifyHost,
  waitForApp,
} from './hosts.ts';
import { acquireLock } from './lock.ts';
import { createBridge, linkExists, netnsList } from './net.ts';
import { requireMachine } from './preflight.ts';
import { isAlive, procOf } from './proc.ts';
import { prepareClientKey, writeKnownHosts } from './sshd.ts';
import { readState, type SandboxState, writeState } from './state.ts';
import { type LbOptions, startElbv2, startLoadBalancer } from './up-lb.ts';

export type UpOptions = LbOptions & {
  keepOnFailure?: boolean;
  hosts?: number;
  healthCheck?: Partial<HealthCheckSettings>;
  deregistrationDelaySeconds?: number;
  /** The first app's held heap in MB (hosts.ts `smallApp`): many hosts on one machine. Default: ~300 MB RSS. */
  heapMb?: number;
};

const log = (msg: string) => console.error(`[sandbox:up] ${msg}`);

/** Every daemon the state recorded is still running (zombies and reused PIDs do not count). */
export function isUp(state: SandboxState | undefined): state is SandboxState {
  if (!state?.ready) return false;
  if (state.lb === 'alb') {
    if (!state.alb?.nodes.every((n) => n.proc && isAlive(n.proc))) return false;
  } else if (!state.haproxy || !isAlive(state.haproxy)) return false;
  if (state.elbv2 && !isAlive(state.elbv2)) return false;
  return state.hosts.every((h) => h.sshd && isAlive(h.sshd));
}

async function refuseForeignLeftovers(names: string[]): Promise<void> {
  const netns = await netnsList();
  const found = [
    ...((await linkExists(BRIDGE)) ? [`link ${BRIDGE}`] : []),
    ...names.filter((n) => netns.includes(n)).map((n) => `netns ${n}`),
  ];
  if (found.length)
    throw new Error(
      `${found.join(', ')} already exist but no sandbox state records them: remove them by hand`,
    );
}

export async function sandboxUp(opts: UpOptions = {}): Promise<SandboxState> {
  const unlock = await acquireLock('state', 120_000, (by) =>
    log(`waiting for pid ${by.pid} (another up/down)`),
  );
  try {
    return await up(opts);
  } finally {
    unlock();
  }
}

async function up(opts: UpOptions): Promise<SandboxState> {
  const existing = readState();
  if (isUp(existing)) {
    const kind = existing.lb ?? 'haproxy';
    if (kind !== (opts.lb ?? 'haproxy'))
      throw new Error(
        `a sandbox with --lb ${kind} is already up in ${existing.dir}; run npm run sandbox:down first`,
      );
    log(`already up (${existing.hosts.length} hosts, HAProxy pid ${existing.haproxy?.pid})`);
    return existing;
  }
  if (existing) {
    log('found a half-made or stopped sandbox: tearing it down first');
    await sandboxDown();
  }
  const healthCheck = { ...DEFAULT_HEALTH_CHECK, ...opts.healthCheck };
  checkHealthCheck(healthCheck); // the plan module's rules (T < I, thresholds 2-10), before anything is made
  const count = opts.hosts ?? 2;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`--hosts must be a positive integer, got ${count}`);
  if (opts.heapMb !== undefined) initialStart(opts.heapMb); // refused before anything is made
  const specs = Array.from({ length: count }, (_, i) => hostSpec(i + 1));
  await refuseForeignLeftovers(specs.map((h) => h.netns));
  const cgroup = detectCgroup();
  if (!cgroup) throw new Error('no memory cgroup controller');
  const state: SandboxState = {
    version: 1,
    createdAt: new Date().toISOString(),
    dir: SANDBOX_DIR,
    healthCheck,
    cgroup,
    createdDirs: [],
    hosts: [],
    ...(opts.heapMb !== undefined ? { heapMb: opts.heapMb } : {}),
  };
  const save = () => writeState(state);
  save();
  try {
    ensureSystemDirs(state);
    save();
    log('building the initial release (FakeGradle)');
    const template = path.join(SANDBOX_DIR, 'releases', 'initial');
    fs.rmSync(template, { recursive: true, force: true });
    await buildRelease(template, 'initial');
    await prepareClientKey();
    state.bridge = { name: BRIDGE, cidr: `${BRIDGE_IP}/${PREFIX_LEN}` };
    save();
    await createBridge();
    const keys: { ip: string; hostKey: string }[] = [];
    for (const h of specs) {
      log(`host ${h.name}: netns ${h.netns}, ${h.ip}, cgroup, sshd`);
      const host = { ...h };
      state.hosts.push(host);
      keys.push({ ip: h.ip, hostKey: await createHost(h, cgroup, host, save) });
    }
    writeKnownHosts(keys);
    await Promise.all(specs.map((h) => verifyHost(h)));
    log('starting the initial app on every host (by hand, over SSH)');
    await Promise.all(specs.map((h) => startInitialApp(h, template, opts.heapMb)));
    const pids = await Promise.all(state.hosts.map((h) => waitForApp(h, h.cgroup ?? '', 60_000)));
    state.hosts.forEach((host, i) => {
      host.app = procOf(pids[i] ?? 0);
    });
    save();
    await startLoadBalancer(state, opts, save);
    await startElbv2(state, opts.deregistrationDelaySeconds ?? 10);
    state.ready = true;
    save();
    return state;
  } catch (e) {
    log(`failed: ${(e as Error).message}`);
    if (opts.keepOnFailure) log('--keep-on-failure: left as it is for inspection (npm run sandbox:down)');
    else {
      log('tearing down what was started');
      await sandboxDown().catch((err: Error) => log(`teardown also failed: ${err.message}`));
    }
    throw e;
  }
}

export function summary(state: SandboxState): string {
  const hc = state.healthCheck;
  return [
    `sandbox up in ${state.dir}`,
    ...state.hosts.map((h) => `  ${h.name} ${h.ip} ${h.instanceId} sshd=${h.sshd?.pid} app=${h.app?.pid}`),
    ...(state.alb
      ? state.alb.nodes.map(
          (n) =>
            `  ALB node ${n.name} ${n.frontend.host}:${n.frontend.port} source ${n.ip} pid=${n.proc?.pid} socket ${n.socket}`,
        )
      : [`  HAProxy ${state.haproxy?.frontend} pid=${state.haproxy?.pid} socket ${state.haproxy?.socket}`]),
    `  checks: interval ${hc.intervalSeconds}s timeout ${hc.timeoutSeconds}s unhealthy ${hc.unhealthyThreshold} healthy ${hc.healthyThreshold}`,
    state.elbv2
      ? `  ELBv2 endpoint http://127.0.0.1:${state.elbv2.port} pid=${state.elbv2.pid}`
      : '  ELBv2 endpoint: not available',
  ].join('\n');
}

if (import.meta.main) {
  requireMachine('sandbox:up');
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '2' },
      interval: { type: 'string' },
      timeout: { type: 'string' },
      unhealthy: { type: 'string' },
      healthy: { type: 'string' },
      'deregistration-delay': { type: 'string', default: '10' },
      'keep-on-failure': { type: 'boolean', default: false },
      lb: { type: 'string', default: 'haproxy' },
      nodes: { type: 'string' },
      propagation: { type: 'string' },
      seed: { type: 'string' },
      'heap-mb': { type: 'string' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const hc = Object.fromEntries(
    Object.entries({
      intervalSeconds: num(values.interval),
      timeoutSeconds: num(values.timeout),
      unhealthyThreshold: num(values.unhealthy),
      healthyThreshold: num(values.healthy),
    }).filter(([, v]) => v !== undefined),
  );
  if (values.lb !== 'haproxy' && values.lb !== 'alb') {
    console.error(`sandbox:up: --lb must be 'haproxy' or 'alb', got '${values.lb}'`);
    process.exit(2);
  }
  try {
    const seed = num(values.seed) ?? DEFAULT_PROPAGATION.seed;
    const state = await sandboxUp({
      lb: values.lb,
      ...(values.nodes ? { albNodes: Number(values.nodes) } : {}),
      propagation: values.propagation
        ? parsePropagation(values.propagation, seed)
        : { ...DEFAULT_PROPAGATION, seed },
      hosts: Number(values.hosts),
      healthCheck: hc,
      deregistrationDelaySeconds: Number(values['deregistration-delay']),
      keepOnFailure: values['keep-on-failure'],
      ...(values['heap-mb'] ? { heapMb: Number(values['heap-mb']) } : {}),
    });
    console.log(summary(state));
  } catch (e) {
    console.error(`sandbox:up failed: ${(e as Error).message}`);
    process.exit(1);
  }
}
