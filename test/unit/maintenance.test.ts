// The maintenance response (issue 14): with --allow-downtime and a listener configured, the only
// target is drained behind a 503 listener rule instead of being taken out, and the rule is removed
// on every way out: success (admit, once the new JVM is healthy), a failed step and an interrupt
// (the drain's undo, after the restore), a CreateRule whose answer was lost. Checked before any
// host is touched: the listener's load balancer and a free priority.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { checkMaintenance, maintenanceOf } from '../../src/engine/maintenance.ts';
import type { Recorded } from '../../src/executors/recording.ts';
import { RecordingListener } from '../../src/executors/recording-listener.ts';
import type { ListenerPort, TargetGroupInfo } from '../../src/ports.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { renderPlanText } from '../../src/render/plan-text.ts';
import { baseConfig, deregisterMode, edit } from '../helpers/config.ts';
import { planOf, runEngine } from '../helpers/engine.ts';
import { aloneLb, healthyLb, memoryListener } from '../helpers/lb.ts';

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/demo/50dc6c495c0c9188/f2f7dc8efc522ab2';
const BODY = '<h1>Back in a minute</h1>';

function config(mode: 'deregister' | 'termination' = 'deregister') {
  const one = deregisterMode(edit(baseConfig(), 'hosts', [{ name: 'a', host: '10.0.0.1' }]));
  return edit(edit(one, 'drain', { mode }), 'maintenance', { listenerArn: LISTENER, body: BODY });
}

const maintenance = (port: ListenerPort) =>
  maintenanceOf({ listenerArn: LISTENER, priority: 1, contentType: 'text/html', body: BODY }, port);

/**
 * The previous release r1 serves on the host, /health follows the JVMs (gone after jvm.stop, back
 * after jvm.start); every command kind goes into `calls` beside the API calls.
 */
function host(
  calls: string[],
  fault: (cmd: Cmd) => { code?: number; stdout?: string } | undefined = () => undefined,
) {
  let health = '200';
  return (_host: string, cmd: Cmd) => {
    calls.push(cmd.kind);
    if (cmd.kind === 'jvm.stop') health = '000';
    if (cmd.kind === 'jvm.start') health = '200';
    if (cmd.kind === 'health.probe') return { stdout: health };
    if (cmd.kind === 'jvm.alive') return { stdout: health === '200' ? 'alive\n' : 'dead\n' };
    return (
      fault(cmd) ??
      (cmd.kind === 'state.read' ? { stdout: 'current=r1\npid=4242\nstate=alive\n' } : undefined)
    );
  };
}

const laterThan = (calls: string[], a: string, b: string) => calls.lastIndexOf(b) > calls.indexOf(a);

/** The only target, --allow-downtime, the listener: the engine as `run` drives it. */
const alone = (
  calls: string[],
  listener: ListenerPort,
  more: Partial<Parameters<typeof runEngine>[0]> = {},
) =>
  runEngine({
    config: config(),
    respond: host(calls),
    allowDowntime: true,
    lb: { port: aloneLb(calls), arn: 'arn:tg' },
    maintenance: maintenance(listener),
    ...more,
  });

describe('maintenance response in the engine', () => {
  it('the only target: the rule is created before the old JVM stops and removed once the new JVM is healthy; the target never leaves the group', async () => {
    const calls: string[] = [];
    const listener = memoryListener({ calls });
    const { run, events } = await alone(calls, listener);
    expect(run.exitCode, run.error).toBe(0);
    expect(calls.indexOf('CreateRule 1')).toBeGreaterThan(-1);
    expect(calls.indexOf('CreateRule 1')).toBeLessThan(calls.indexOf('jvm.stop'));
    expect(laterThan(calls, 'jvm.start', 'DeleteRule arn:rule/1')).toBe(true);
    // Removed once the new JVM answered its health check, by admit.
    const healthy = calls.indexOf('health.probe', calls.indexOf('jvm.start'));
    expect(calls.indexOf('DeleteRule arn:rule/1')).toBeGreaterThan(healthy);
    const admit = events.find((e) => e.kind === 'step:end' && e.step === 'admit');
    expect(admit).toMatchObject({
      ok: true,
      detail: 'DeleteRule arn:rule/1: requests reach the new JVM again',
    });
    expect(calls.filter((c) => /^(de)?register/.test(c))).toEqual([]);
    expect(listener.now()).toEqual([]);
    const drain = events.find((e) => e.kind === 'step:end' && e.step === 'drain');
    expect(drain).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/CreateRule arn:rule\/1 at priority 1.*503 text\/html/),
    });
  });

  it('termination mode: no health flip behind the rule either', async () => {
    const calls: string[] = [];
    const listener = memoryListener({ calls });
    const { run } = await alone(calls, listener, { config: config('termination') });
    expect(run.exitCode, run.error).toBe(0);
    expect(calls).not.toContain('drain.post');
    expect(calls).toContain('DeleteRule arn:rule/1');
    expect(listener.now()).toEqual([]);
  });

  it('a failed build: the previous release serves again, then the rule goes', async () => {
    const calls: string[] = [];
    const listener = memoryListener({ calls });
    const { run } = await alone(calls, listener, {
      respond: host(calls, (cmd) => (cmd.kind === 'build.run' ? { code: 1 } : undefined)),
    });
    expect(run.exitCode).toBe(1);
    expect(run.hosts[0]?.result).toBe('rolled-back');
    expect(laterThan(calls, 'build.run', 'jvm.start')).toBe(true);
    expect(calls.indexOf('DeleteRule arn:rule/1')).toBeGreaterThan(calls.lastIndexOf('jvm.start'));
    expect(listener.now()).toEqual([]);
  });

  it('an interrupt during the wait: restore, then the rule goes', async () => {
    const calls: string[] = [];
    const listener = memoryListener({ calls });
    const { run } = await alone(calls, listener, { abortWhen: (_h, cmd) => cmd.kind === 'traffic.sample' });
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(/interrupted/);
    expect(calls).toContain('DeleteRule arn:rule/1');
    expect(listener.now()).toEqual([]);
  });

  it("CreateRule's answer lost: the undo finds the rule by its priority and response, and removes it", async () => {
    const calls: string[] = [];
    const mine = { priority: 1, fixed: { statusCode: '503', contentType: 'text/html', body: BODY } };
    const other = { arn: 'arn:rule/theirs', priority: 2, fixed: { ...mine.fixed } };
    const listener = memoryListener({ calls, failCreate: 'after', rules: [other] });
    const { run } = await alone(calls, listener);
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(/socket hang up/);
    expect(calls).toContain('DeleteRule arn:rule/1');
    expect(listener.now()).toEqual([other]);
  });

  it('a rule that cannot be removed is exit 4: clients would get the 503 for good', async () => {
    const calls: string[] = [];
    const listener = memoryListener({ calls, failDelete: true });
    const { run } = await alone(calls, listener);
    expect(run.exitCode).toBe(4);
    expect(run.error).toMatch(/DeleteRule: ServiceUnavailable/);
  });

  it('a failing afterDeploy hook once the rule is gone: the rule goes up again before the new JVM is taken away, and down after the restore', async () => {
    const calls: string[] = [];
    const listener = memoryListener({ calls });
    const fail = (cmd: Cmd) => (cmd.kind === 'hook' ? { code: 1 } : undefined);
    const { run } = await alone(calls, listener, {
      config: edit(config('termination'), 'hooks', { afterDeploy: { run: 'smoke-test' } }),
      respond: host(calls, fail),
    });
    expect(run.exitCode).toBe(1);
    expect(calls.filter((c) => /Rule/.test(c))).toEqual([
      'CreateRule 1',
      'DeleteRule arn:rule/1',
      'CreateRule 1',
      'DeleteRule arn:rule/2',
    ]);
    // Behind the rule again before the new JVM (4343) stops, and no flip of the only target.
    const again = calls.lastIndexOf('CreateRule 1');
    expect(again).toBeLessThan(calls.lastIndexOf('jvm.stop'));
    expect(calls).not.toContain('drain.post');
    expect(listener.now()).toEqual([]);
  });

  it('another healthy target: no rule, the usual drain', async () => {
    const calls: string[] = [];
    const listener = memoryListener({ calls });
    const { run } = await runEngine({
      config: edit(config(), 'hosts', [
        { name: 'a', host: '10.0.0.1', instanceId: 'i-0a' },
        { name: 'b', host: '10.0.0.2', instanceId: 'i-0b' },
      ]),
      respond: host(calls),
      allowDowntime: true,
      lb: { port: healthyLb({ calls }), arn: 'arn:tg' },
      maintenance: maintenance(listener),
    });
    expect(run.exitCode, run.error).toBe(0);
    expect(calls.filter((c) => c.startsWith('CreateRule'))).toEqual([]);
    expect(calls).toContain('deregister i-0a:8080');
  });

  it('without --allow-downtime the only target is still refused, and no rule is created', async () => {
    const calls: string[] = [];
    const { run } = await runEngine({
      config: config(),
      respond: host(calls),
      lb: { port: aloneLb(calls), arn: 'arn:tg' },
      maintenance: maintenance(memoryListener({ calls })),
    });
    expect(run.exitCode).toBe(2);
    expect(calls.filter((c) => c.startsWith('CreateRule'))).toEqual([]);
  });
});

describe('maintenance before anything changes', () => {
  const tg = (lbs: string[]): TargetGroupInfo => ({
    arn: 'arn:tg',
    name: 'tg',
    port: 8080,
    healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 2, healthyThreshold: 2 },
    healthCheckPath: '/health',
    deregistrationDelaySeconds: 30,
    loadBalancerArns: lbs,
  });

  it('refuses a listener of another load balancer, a taken priority, and names unlock for a leftover of its own', async () => {
    await expect(
      checkMaintenance(maintenance(memoryListener()), tg(['arn:lb/app/demo'])),
    ).resolves.toBeUndefined();
    await expect(checkMaintenance(maintenance(memoryListener()), tg(['arn:lb/app/other']))).rejects.toThrow(
      /maintenance.listenerArn: .* is a listener of arn:lb\/app\/demo, which does not route to target group tg/,
    );
    const forward = memoryListener({ rules: [{ arn: 'arn:rule/fwd', priority: 1 }] });
    await expect(checkMaintenance(maintenance(forward), tg(['arn:lb/app/demo']))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/maintenance.priority: 1 is taken .* by rule arn:rule\/fwd/),
    });
    const leftover = memoryListener({
      rules: [
        {
          arn: 'arn:rule/old',
          priority: 1,
          fixed: { statusCode: '503', contentType: 'text/html', body: BODY },
        },
      ],
    });
    await expect(checkMaintenance(maintenance(leftover), tg(['arn:lb/app/demo']))).rejects.toThrow(
      /still has the maintenance rule arn:rule\/old .*deploy unlock/,
    );
  });

  it('config: a listener ARN, a target group to check it against, and a body an ALB accepts', () => {
    const issues = (raw: Record<string, unknown>) => {
      const r = validateConfig(raw);
      return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
    };
    expect(issues(config())).toEqual([]);
    expect(issues(edit(config('termination'), 'loadBalancer.targetGroup', undefined))).toEqual([
      'loadBalancer.targetGroup: required with maintenance',
    ]);
    expect(
      issues(
        edit(
          config(),
          'maintenance.listenerArn',
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1',
        ),
      ),
    ).toEqual([expect.stringMatching(/^maintenance.listenerArn: an ALB listener ARN looks like/)]);
    expect(issues(edit(config(), 'maintenance.body', 'x'.repeat(1025)))[0]).toMatch(/^maintenance.body/);
    expect(issues(edit(config(), 'maintenance.contentType', 'text/xml'))[0]).toMatch(
      /^maintenance.contentType/,
    );
  });

  it('the plan shows the rule, and a dry run records CreateRule and DeleteRule without sending them', async () => {
    const plan = planOf(config(), { deregistrationDelaySeconds: 30 });
    expect(plan.maintenance).toEqual({
      listenerArn: LISTENER,
      priority: 1,
      statusCode: '503',
      contentType: 'text/html',
      bodyCharacters: BODY.length,
    });
    expect(renderPlanText(plan)).toContain(
      `a rule at priority 1 on ${LISTENER} answers every path 503 text/html (${BODY.length} characters; no Retry-After`,
    );
    const live = memoryListener();
    const recorded: Recorded[] = [];
    const { run } = await alone([], new RecordingListener(live, recorded));
    expect(run.exitCode, run.error).toBe(0);
    expect(recorded.map((r) => r.command)).toEqual([
      `CreateRule --listener-arn ${LISTENER} --priority 1 --conditions path-pattern=/* --actions fixed-response 503 text/html (${BODY.length} characters)`,
      'DeleteRule --rule-arn maintenance-rule-1 (dry run: not created)',
    ]);
    expect(live.now()).toEqual([]);
  });
});
