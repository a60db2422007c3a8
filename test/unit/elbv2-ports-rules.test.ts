// The ELBv2 endpoint's second port per instance and its listener rules, through the real SDK client
// (fake HAProxy runtime): what AWS does with one instance on two ports, and with fixed-response rules.
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createEmulator, type Runtime } from '../../scripts/sandbox/elbv2/actions.ts';
import { validateOptions } from '../../scripts/sandbox/elbv2/model.ts';
import type { FixedResponse } from '../../scripts/sandbox/elbv2/rules.ts';
import type * as sm from '../../scripts/sandbox/elbv2/state.ts';
import { emulatorOptions, sdkOver } from './_elbv2-sdk.ts';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/sandbox-tg/0123456789abcdef';
const LB =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/sandbox-tg-alb/0123456789abcdef';
const H1 = 'i-0a0000000000000001';
const UP: sm.ServerView = { op: 'UP', checkStatus: 'L7OK', checkCode: 200, checkHealth: 3 };

async function setup() {
  const commands: string[] = [];
  const fixed: (FixedResponse | undefined)[] = [];
  const views = new Map<string, sm.ServerView>([
    ['h1', UP],
    ['h1-8081', { op: 'MAINT', checkStatus: '' }],
  ]);
  const runtime: Runtime = {
    servers: async () => new Map(views),
    adminStates: async () =>
      new Map([
        ['h1', 'ready'],
        ['h1-8081', 'maint'],
      ] as const),
    apply: async (server, command) => void commands.push(`${server}:${command}`),
    fixedResponse: async (f) => void fixed.push(f),
  };
  const opts = emulatorOptions(
    [
      { id: H1, server: 'h1', port: 8080 },
      { id: H1, server: 'h1-8081', port: 8081 },
    ],
    5,
  );
  validateOptions(opts);
  let clock = 0;
  const emulator = await createEmulator(opts, runtime, () => clock);
  return { elb: sdkOver(emulator), commands, fixed, views, advance: (ms: number) => (clock += ms) };
}

const health = async (elb: ElasticLoadBalancingV2Client, Targets?: { Id: string; Port?: number }[]) =>
  (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: ARN, Targets })))
    .TargetHealthDescriptions ?? [];
const summary = (list: Awaited<ReturnType<typeof health>>) =>
  list.map((d) => `${d.Target?.Id}:${d.Target?.Port}=${d.TargetHealth?.State}@${d.HealthCheckPort}`);

describe('one instance on two ports', () => {
  it('registers the second port as a target of its own, checked on its own port; deregisters one port only', async () => {
    const { elb, commands, views, advance } = await setup();
    expect(summary(await health(elb))).toEqual([`${H1}:8080=healthy@8080`]);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: 8081 }] }));
    expect(commands).toEqual(['h1-8081:ready-through-checks']);
    views.set('h1-8081', { op: 'DOWN', checkStatus: 'L7OK', checkCode: 200, checkHealth: 1 });
    expect(summary(await health(elb))).toEqual([`${H1}:8080=healthy@8080`, `${H1}:8081=initial@8081`]);
    views.set('h1-8081', UP);
    expect(summary(await health(elb))).toEqual([`${H1}:8080=healthy@8080`, `${H1}:8081=healthy@8081`]);

    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: 8080 }] }));
    expect(commands.at(-1)).toBe('h1:drain');
    expect(
      summary(
        await health(elb, [
          { Id: H1, Port: 8080 },
          { Id: H1, Port: 8081 },
        ]),
      ),
    ).toEqual([`${H1}:8080=draining@8080`, `${H1}:8081=healthy@8081`]);
    advance(5000);
    expect(summary(await health(elb))).toEqual([`${H1}:8081=healthy@8081`]);
    expect(commands.at(-1)).toBe('h1:maint');
  });

  it('a port with no target is `unused`; registering on it is refused in the sandbox, deregistering is a no-op', async () => {
    const { elb, commands } = await setup();
    expect(summary(await health(elb, [{ Id: H1, Port: 9000 }]))).toEqual([`${H1}:9000=unused@9000`]);
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: 9000 }] }));
    await expect(
      elb.send(new RegisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: 9000 }] })),
    ).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/8080 or 8081/) });
    expect(commands).toEqual([]);
  });

  it('refuses options that name one instance and port twice', () => {
    const opts = emulatorOptions(
      [
        { id: H1, server: 'h1', port: 8080 },
        { id: H1, server: 'h1b', port: 8080 },
      ],
      5,
    );
    expect(() => validateOptions(opts)).toThrow(/port 8080 listed twice/);
  });
});

describe('listener rules with fixed responses', () => {
  const maintenance = (Priority: number, StatusCode = '503') =>
    new CreateRuleCommand({
      ListenerArn: '',
      Priority,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      Actions: [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode, ContentType: 'text/html', MessageBody: '<h1>Back soon</h1>' },
        },
      ],
    });
  const listenerOf = async (elb: ElasticLoadBalancingV2Client) =>
    (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: LB }))).Listeners?.[0]?.ListenerArn ?? '';

  it('creates, describes and deletes a rule; the top-priority fixed response is applied, then cleared', async () => {
    const { elb, fixed } = await setup();
    const ListenerArn = await listenerOf(elb);
    expect(ListenerArn).toMatch(/:listener\/app\/sandbox-tg-alb\/0123456789abcdef\/[0-9a-f]{16}$/);
    expect(fixed).toEqual([undefined]); // a (re)started endpoint clears what HAProxy had
    const command = maintenance(1);
    command.input.ListenerArn = ListenerArn;
    const created = (await elb.send(command)).Rules?.[0];
    expect(created).toMatchObject({
      Priority: '1',
      IsDefault: false,
      Actions: [
        { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'text/html' } },
      ],
    });
    expect(fixed.at(-1)).toEqual({ statusCode: '503', contentType: 'text/html', body: '<h1>Back soon</h1>' });
    const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn }))).Rules ?? [];
    expect(rules.map((r) => [r.Priority, r.IsDefault])).toEqual([
      ['1', false],
      ['default', true],
    ]);
    await elb.send(new DeleteRuleCommand({ RuleArn: created?.RuleArn }));
    expect(fixed.at(-1)).toBeUndefined();
    expect((await elb.send(new DescribeRulesCommand({ ListenerArn }))).Rules?.map((r) => r.Priority)).toEqual(
      ['default'],
    );
  });

  it('answers AWS errors: PriorityInUse, RuleNotFound, ListenerNotFound, bad status, the default rule', async () => {
    const { elb, fixed } = await setup();
    const ListenerArn = await listenerOf(elb);
    const make = (p: number, status?: string) => {
      const c = maintenance(p, status);
      c.input.ListenerArn = ListenerArn;
      return c;
    };
    await elb.send(make(1));
    await expect(elb.send(make(1))).rejects.toMatchObject({ name: 'PriorityInUseException' });
    await expect(elb.send(make(2, '302'))).rejects.toMatchObject({ name: 'ValidationError' });
    const wrong = maintenance(3);
    wrong.input.ListenerArn = `${ListenerArn}0`;
    await expect(elb.send(wrong)).rejects.toMatchObject({ name: 'ListenerNotFoundException' });
    await expect(elb.send(new DeleteRuleCommand({ RuleArn: `${ListenerArn}x` }))).rejects.toMatchObject({
      name: 'RuleNotFoundException',
    });
    const all = (await elb.send(new DescribeRulesCommand({ ListenerArn }))).Rules ?? [];
    const defaultRule = all.find((r) => r.IsDefault)?.RuleArn;
    await expect(elb.send(new DeleteRuleCommand({ RuleArn: defaultRule }))).rejects.toMatchObject({
      name: 'OperationNotPermittedException',
    });
    expect(fixed.length).toBe(2); // the clear at start and the one rule created
  });
});
