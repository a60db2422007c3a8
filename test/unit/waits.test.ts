// The drain and settle waits against a scripted load balancer in virtual time: the host's sockets
// (`ss -tin`, test/helpers/traffic.ts) and the API's word, each changing on its own schedule.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { VirtualClock } from '../../src/engine/clock.ts';
import type { HostCtx } from '../../src/engine/context.ts';
import type { DeployEvent } from '../../src/engine/events.ts';
import { emitter } from '../../src/engine/events.ts';
import { waitUntilDrained, waitUntilSettled } from '../../src/engine/waits.ts';
import { RecordingExecutor } from '../../src/executors/recording.ts';
import { buildPlan } from '../../src/plan/plan.ts';
import type { LoadBalancerPort, TargetState } from '../../src/ports.ts';
import { layout } from '../../src/remote/layout.ts';
import { baseConfig, edit } from '../helpers/config.ts';
import { runEngine } from '../helpers/engine.ts';
import { type HostScript, ssAt } from '../helpers/traffic.ts';

const NODES = ['10.0.0.201', '10.0.0.202', '10.0.0.203'];

type Setup = {
  drain?: Record<string, unknown>;
  script: HostScript;
  /** The API's state at t ms; no function: no load balancer. */
  api?: (t: number) => TargetState['state'];
  lbNodes?: string[];
};

function hostCtx(s: Setup) {
  let raw = s.drain ? edit(baseConfig(), 'drain', s.drain) : baseConfig();
  if (s.drain?.mode === 'deregister') {
    raw = edit(raw, 'loadBalancer', { targetGroup: 'tg', region: 'us-east-1' });
    raw = edit(raw, 'hosts.0.instanceId', 'i-0a');
    raw = edit(raw, 'hosts.1.instanceId', 'i-0b');
  }
  const parsed = validateConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const config = parsed.config;
  const plan = buildPlan(config, {
    hosts: ['a', 'b'],
    healthCheck: {
      intervalSeconds: 5,
      timeoutSeconds: 2,
      unhealthyThreshold: 3,
      healthyThreshold: 2,
      source: 'aws',
    },
    deregistrationDelay: { seconds: 300, source: 'config' },
  });
  const clock = new VirtualClock();
  const t0 = clock.now();
  const events: DeployEvent[] = [];
  const apiCalls: number[] = [];
  const exec = new RecordingExecutor('a', [], (cmd) =>
    cmd.kind === 'traffic.sample' ? { stdout: ssAt(s.script, clock.now() - t0) } : undefined,
  );
  const port = {
    targetHealth: async () => {
      apiCalls.push(clock.now() - t0);
      return [{ id: 'i-0a', state: s.api!(clock.now() - t0) }];
    },
  } as unknown as LoadBalancerPort;
  const ctx: HostCtx = {
    host: { name: 'a', host: '10.0.0.1', port: 22, user: 'u' },
    exec,
    layout: layout(config.app.dir),
    config,
    plan,
    releaseId: 'r2',
    clock,
    signal: new AbortController().signal,
    emit: emitter(clock, [(e) => events.push(e)]),
    state: s.lbNodes ? { lbNodes: s.lbNodes } : {},
    upload: async () => '',
    ...(s.api ? { lb: { port, arn: 'arn', targetId: 'i-0a' } } : {}),
    others: [],
    allowDowntime: false,
  };
  return { ctx, plan, elapsed: () => clock.now() - t0, events, apiCalls };
}

const every = (until: number) => NODES.map((addr) => ({ addr, until }));

describe('termination drain: never before the computed bound, then until the host is quiet', () => {
  // I=5 T=2 N=3 r=0.1 margin 2: wait = 17.1 s; Q = 3 s
  it('the nodes stopped well before the bound: ends exactly at the bound', async () => {
    const h = hostCtx({ script: { nodes: every(12_000) } });
    const detail = await waitUntilDrained(h.ctx);
    expect(h.elapsed()).toBe(17_100);
    expect(detail).toMatch(/^drained after 17.1 s: the computed bound/);
    expect(h.ctx.state.lbNodes).toEqual(NODES);
  });

  it('a node still sends at the bound: ends one quiet window after its last request, within 1 s', async () => {
    const h = hostCtx({
      script: { nodes: [...every(12_000).slice(0, 2), { addr: NODES[2]!, until: 20_000 }] },
    });
    await waitUntilDrained(h.ctx);
    const lastRequest = 19_900;
    expect(h.elapsed()).toBeGreaterThanOrEqual(lastRequest + 3000);
    expect(h.elapsed()).toBeLessThanOrEqual(lastRequest + 3000 + 1000);
    expect(h.events.some((e) => e.kind === 'log' && e.level === 'warn')).toBe(false);
  });

  it('requests never stop: ends at the cap (twice the wait) and warns that the settings do not match', async () => {
    const h = hostCtx({ script: { nodes: every(10_000_000) } });
    const detail = await waitUntilDrained(h.ctx);
    expect(h.elapsed()).toBe(34_200);
    expect(detail).toMatch(/cap 34.2 s with requests still arriving/);
    const warn = h.events.find((e) => e.kind === 'log' && e.level === 'warn');
    expect(warn).toMatchObject({ message: expect.stringMatching(/health-check settings do not match/) });
  });

  it('health checks (a connection with one request, closed at once) are not requests', async () => {
    // Each node checks every second; a check's connection lives 100 ms (a real one: milliseconds).
    const checks = Array.from({ length: 90 }, (_, i) => ({ addr: NODES[i % 3]!, at: 333 * i, ms: 100 }));
    const h = hostCtx({ script: { nodes: every(12_000), checks } });
    await waitUntilDrained(h.ctx);
    // A look that catches a check waits one more look to tell it apart, never a quiet window.
    expect(h.elapsed()).toBeGreaterThanOrEqual(17_100);
    expect(h.elapsed()).toBeLessThanOrEqual(17_100 + 1000);
  });

  it('without readable sockets (no ss): the computed bound, said so', async () => {
    const h = hostCtx({ script: { nodes: every(30_000) } });
    h.ctx.exec = new RecordingExecutor('a', [], () => ({ code: 127, stderr: 'ss: not found' }));
    expect(await waitUntilDrained(h.ctx)).toMatch(
      /waited the bound 17.1 s \(the host's sockets could not be read/,
    );
  });
});

describe('deregister drain: draining in the API is necessary, never sufficient', () => {
  const drain = { mode: 'deregister', maxRequestSeconds: 5, marginSeconds: 1 };

  it('the API says draining at once, a node routes on for 8 s: ends 3 s after its last request', async () => {
    const h = hostCtx({
      drain,
      api: () => 'draining',
      script: { nodes: [...every(1000).slice(0, 2), { addr: NODES[2]!, until: 8000 }] },
    });
    const detail = await waitUntilDrained(h.ctx);
    expect(h.elapsed()).toBeGreaterThanOrEqual(7900 + 3000);
    expect(h.elapsed()).toBeLessThanOrEqual(7900 + 3000 + 1000);
    expect(detail).toMatch(/no request from the load balancer for 3 s and none in flight \(3 node\(s\) seen/);
  });

  it('a request in flight keeps it waiting, however quiet the rest', async () => {
    const h = hostCtx({
      drain,
      api: () => 'draining',
      script: { nodes: every(500), long: [{ node: NODES[0]!, at: 400, ms: 9000 }] },
    });
    await waitUntilDrained(h.ctx);
    expect(h.elapsed()).toBeGreaterThanOrEqual(9400);
    expect(h.elapsed()).toBeLessThanOrEqual(9400 + 1000);
  });

  it('idle keep-alive connections are not in flight: quiet 3 s after the last request', async () => {
    const h = hostCtx({ drain, api: () => 'draining', script: { nodes: every(2000) } });
    await waitUntilDrained(h.ctx);
    expect(h.elapsed()).toBeGreaterThanOrEqual(1900 + 3000);
    expect(h.elapsed()).toBeLessThanOrEqual(1900 + 3000 + 1000);
  });

  it('without readable sockets: nothing proves the nodes stopped, so the whole delay, with a warning', async () => {
    const h = hostCtx({ drain, api: () => 'draining', script: { nodes: every(1000) } });
    h.ctx.exec = new RecordingExecutor('a', [], () => ({ code: 127, stderr: 'ss: not found' }));
    expect(await waitUntilDrained(h.ctx)).toMatch(/waited the deregistration delay 300 s/);
    expect(h.elapsed()).toBe(300_000);
    const warn = h.events.find((e) => e.kind === 'log' && e.level === 'warn');
    expect(warn).toMatchObject({ message: expect.stringContaining('could not be read (ss -tin') });
  });

  it('looks that fail (a lost connection) prove nothing: no end while they fail', async () => {
    const h = hostCtx({ drain, api: () => 'draining', script: { nodes: every(1000) } });
    const inner = h.ctx.exec;
    h.ctx.exec = {
      name: 'a',
      close: async () => {},
      run: (cmd, opts) =>
        h.elapsed() > 500 && h.elapsed() < 8000
          ? Promise.resolve({ code: 255, stdout: '', stderr: 'lost', ms: 0, connectionLost: true })
          : inner.run(cmd, opts),
    };
    await waitUntilDrained(h.ctx);
    expect(h.elapsed()).toBeGreaterThanOrEqual(8000);
    expect(h.elapsed()).toBeLessThanOrEqual(9000);
  });

  for (const state of ['initial', 'healthy'] as const)
    it(`the API still says ${state}: not drained, however quiet the host (until the delay)`, async () => {
      const h = hostCtx({
        drain,
        api: (t) => (t < 20_000 ? state : 'draining'),
        script: { nodes: every(500) },
      });
      await waitUntilDrained(h.ctx);
      expect(h.elapsed()).toBeGreaterThanOrEqual(20_000);
      expect(h.elapsed()).toBeLessThanOrEqual(22_500);
    });
});

describe("settle: every node routes to the host again, not the API's first healthy", () => {
  // The new JVM after a restart at t=0: nodes come back at their own times.
  const back = (times: number[]): HostScript => ({
    nodes: NODES.map((addr, i) => ({ addr, from: times[i]!, until: 10_000_000 })),
  });

  it('deregister: the API says healthy at 2 s, the last node routes at 9 s: settles then', async () => {
    const h = hostCtx({
      drain: { mode: 'deregister' },
      api: (t) => (t < 2000 ? 'initial' : 'healthy'),
      lbNodes: NODES,
      script: back([1500, 4000, 9000]),
    });
    const detail = await waitUntilSettled(h.ctx);
    expect(h.elapsed()).toBeGreaterThanOrEqual(9000);
    expect(h.elapsed()).toBeLessThanOrEqual(10_000);
    expect(detail).toMatch(/every node \(3\) routes to the host again/);
  });

  it('no load balancer to ask and no node seen: waits the healthy-threshold window', async () => {
    const h = hostCtx({ script: { nodes: [] } });
    const detail = await waitUntilSettled(h.ctx);
    expect(h.elapsed()).toBe((2 * 5 + 0.1 + 2) * 1000); // H·I + d_ok + margin
    expect(detail).toMatch(/waited the re-admission bound 12.1 s/);
  });

  it('termination without a load balancer: the nodes seen before the drain, each back', async () => {
    const h = hostCtx({ lbNodes: NODES, script: back([3000, 3500, 6000]) });
    await waitUntilSettled(h.ctx);
    expect(h.elapsed()).toBeGreaterThanOrEqual(6000);
    expect(h.elapsed()).toBeLessThanOrEqual(7000);
  });

  it('a node that never comes back: goes on at the bound with a warning naming it', async () => {
    const h = hostCtx({ lbNodes: NODES, script: back([1000, 1000, 10_000_000]) });
    await waitUntilSettled(h.ctx);
    expect(h.elapsed()).toBe(12_100);
    const warn = h.events.find((e) => e.kind === 'log' && e.level === 'warn');
    expect(warn).toMatchObject({ message: expect.stringContaining('10.0.0.203') });
  });

  it("deregister, no node known: the API's healthy; never healthy fails at the limit", async () => {
    const ok = hostCtx({
      drain: { mode: 'deregister' },
      api: (t) => (t < 5000 ? 'initial' : 'healthy'),
      script: { nodes: [] },
    });
    expect(await waitUntilSettled(ok.ctx)).toMatch(/healthy in the target group after/);
    expect(ok.elapsed()).toBeLessThanOrEqual(5000 + 2500);
    const never = hostCtx({ drain: { mode: 'deregister' }, api: () => 'initial', script: { nodes: [] } });
    await expect(waitUntilSettled(never.ctx)).rejects.toThrow(
      /never became healthy in the target group \(last: initial\) within 60 s/,
    );
  });
});

describe('the rolling deploy: the next host is drained only once every node routes to the previous one', () => {
  it("with no load balancer to ask: b is drained after the last of a's nodes is back, not at a's health", async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const marks: Record<string, number> = {};
    const back = [2000, 3000, 9000]; // when each node routes to a's new JVM, after its start
    const r = await runEngine({
      clock,
      respond: (host, cmd) => {
        const now = clock.now() - t0;
        if (cmd.kind === 'drain.post') marks[`${host}.drain`] = now;
        if (cmd.kind === 'jvm.start') marks[`${host}.start`] = now;
        if (cmd.kind === 'state.read') return { stdout: 'current=r1\npid=4242\nstate=alive\n' };
        if (cmd.kind !== 'traffic.sample') return undefined;
        const drained = marks[`${host}.drain`];
        const started = marks[`${host}.start`];
        const script: HostScript =
          started !== undefined
            ? { nodes: NODES.map((addr, i) => ({ addr, from: started + back[i]!, until: 1e9 })) }
            : { nodes: NODES.map((addr) => ({ addr, until: drained === undefined ? 1e9 : drained + 2000 })) };
        return { stdout: ssAt(script, now) };
      },
    });
    expect(r.run.exitCode).toBe(0);
    expect(marks['b.drain']).toBeGreaterThanOrEqual(marks['a.start']! + 9000);
    const settle = r.run.hosts[0]!.outcome.steps.find((s) => s.name === 'settle')!;
    expect(settle.detail).toMatch(/every node \(3\) routes to the host again/);
  });
});
