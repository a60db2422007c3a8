// The listener adapter (src/aws/listener.ts) through the real SDK over HTTP to the sandbox's ELBv2
// emulator (fake HAProxy): the maintenance rule is created at the given priority with a match-all
// condition, listed, deleted, and deleting it twice is fine (every path out deletes it).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator } from '../../scripts/sandbox/elbv2/actions.ts';
import { listenerArn } from '../../scripts/sandbox/elbv2/listener-actions.ts';
import type { FixedResponse } from '../../scripts/sandbox/elbv2/rules.ts';
import { respond } from '../../scripts/sandbox/elbv2/server.ts';
import { Elbv2LoadBalancer } from '../../src/aws/elbv2.ts';
import { Elbv2Listener } from '../../src/aws/listener.ts';
import { checkMaintenance, maintenanceOf } from '../../src/engine/maintenance.ts';
import { emulatorOptions, SANDBOX_TG_ARN } from './_elbv2-sdk.ts';

const H1 = 'i-0a0000000000000001';
const MAINTENANCE = { statusCode: '503', contentType: 'text/html', body: '<h1>Back in a minute</h1>' };

describe('Elbv2Listener against the emulator over HTTP', () => {
  const applied: (FixedResponse | undefined)[] = [];
  let server: http.Server;
  let endpoint = '';
  const opts = emulatorOptions([{ id: H1, server: 'h1', port: 8080 }], 5);

  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    const emulator = await createEmulator(opts, {
      servers: async () =>
        new Map([['h1', { op: 'UP', checkStatus: 'L7OK', checkCode: 200, checkHealth: 3 }]]),
      adminStates: async () => new Map([['h1', 'ready']] as const),
      apply: async () => undefined,
      fixedResponse: async (f) => void applied.push(f),
    });
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', async () => {
        const answer = await respond(emulator, req.method ?? 'POST', req.url ?? '/', body);
        res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const [key, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const)
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    await new Promise((r) => server.close(r));
  });

  it('creates the maintenance rule, lists it, deletes it, and a second delete is fine', async () => {
    const listener = new Elbv2Listener({ region: 'us-east-1', endpoint });
    const arn = listenerArn(opts.targetGroup);
    const rule = await listener.createFixedResponseRule(arn, 1, MAINTENANCE);
    expect(applied.at(-1)).toEqual(MAINTENANCE);
    expect(await listener.rules(arn)).toEqual([{ arn: rule, priority: 1, fixed: MAINTENANCE }]);
    await listener.deleteRule(rule);
    expect(applied.at(-1)).toBeUndefined();
    await listener.deleteRule(rule);
    expect(await listener.rules(arn)).toEqual([]);
  });

  it('a taken priority is an error that names the API call', async () => {
    const listener = new Elbv2Listener({ region: 'us-east-1', endpoint });
    const arn = listenerArn(opts.targetGroup);
    const rule = await listener.createFixedResponseRule(arn, 7, MAINTENANCE);
    await expect(listener.createFixedResponseRule(arn, 7, MAINTENANCE)).rejects.toThrow(
      /CreateRule|PriorityInUse/,
    );
    await listener.deleteRule(rule);
  });

  it('the target-group adapter reads the target type and the health-check port (what a swap needs)', async () => {
    const tg = await new Elbv2LoadBalancer({ region: 'us-east-1', endpoint }).describeTargetGroup(
      SANDBOX_TG_ARN,
    );
    expect(tg).toMatchObject({ targetType: 'instance', healthCheckPort: 'traffic-port' });
  });

  it("the checks before a deploy: the listener is the target group's load balancer's, the priority free, the listener there", async () => {
    const listener = new Elbv2Listener({ region: 'us-east-1', endpoint });
    const arn = listenerArn(opts.targetGroup);
    const tg = await new Elbv2LoadBalancer({ region: 'us-east-1', endpoint }).describeTargetGroup(
      SANDBOX_TG_ARN,
    );
    expect(tg.loadBalancerArns).toEqual([await listener.listenerLoadBalancer(arn)]);
    const m = maintenanceOf(
      { listenerArn: arn, priority: 3, contentType: 'text/html', body: '<h1>x</h1>' },
      listener,
    );
    await expect(checkMaintenance(m, tg)).resolves.toBeUndefined();
    await expect(
      checkMaintenance(m, {
        ...tg,
        loadBalancerArns: ['arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/other/1'],
      }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/does not route to target group/),
    });
    const theirs = await listener.createFixedResponseRule(arn, 3, {
      statusCode: '503',
      contentType: 'text/plain',
      body: 'theirs',
    });
    await expect(checkMaintenance(m, tg)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/maintenance.priority: 3 is taken/),
    });
    await listener.deleteRule(theirs);
    await expect(checkMaintenance({ ...m, listenerArn: arn.replace(/a1$/, 'b2') }, tg)).rejects.toMatchObject(
      {
        exitCode: 2,
        message: expect.stringMatching(/listener not found.*maintenance.listenerArn/),
      },
    );
  });
});
