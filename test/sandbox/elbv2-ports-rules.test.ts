// One instance on two ports and a maintenance rule, through the real SDK client, the ELBv2 endpoint
// and a real HAProxy configured by the sandbox's own generator (haproxy.ts): traffic moves from one
// port to the other with every request answered, and a fixed-response rule answers instead of the
// targets until it is deleted.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElbv2Endpoint } from '../../scripts/sandbox/elbv2/server.ts';
import { startHaproxy, waitForServers } from '../../scripts/sandbox/haproxy.ts';
import { type Proc, sleep, stopProc } from '../../scripts/sandbox/proc.ts';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/ports-tg/0123456789abcdef';
const H1 = 'i-0a0000000000000001';
const missing =
  process.getuid?.() !== 0
    ? 'needs root'
    : spawnSync('haproxy', ['-v']).error
      ? 'haproxy missing'
      : undefined;
if (missing && !process.env.CI) console.warn(`SKIP test/sandbox/elbv2-ports-rules.test.ts: ${missing}`);

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
const app = (name: string) =>
  http.createServer((req, res) => res.writeHead(200).end(req.url === '/health' ? 'ok' : name));

type Answer = { status: number; type: string; body: string };
function get(port: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      })
      .on('error', reject);
  });
}

describe.skipIf(missing !== undefined && !process.env.CI)(
  'one instance, two ports, a maintenance rule',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-ports-'));
    const a = app('A');
    const b = app('B');
    let haproxy: Proc | undefined;
    let endpoint: { port: number; close(): Promise<void> } | undefined;
    let front = 0;
    let elb: ElasticLoadBalancingV2Client;
    const socket = path.join(dir, 'admin.sock');

    beforeAll(async () => {
      if (missing) throw new Error(`CI is set, so this test does not skip: ${missing}`);
      const [portA, portB] = [await listen(a), await listen(b)];
      const probe = http.createServer();
      front = await listen(probe);
      await new Promise((r) => probe.close(r));
      const healthCheck = {
        intervalSeconds: 0.5,
        timeoutSeconds: 0.25,
        unhealthyThreshold: 2,
        healthyThreshold: 2,
      };
      ({ proc: haproxy } = await startHaproxy(dir, {
        healthCheck,
        servers: [
          { name: 'h1', address: `127.0.0.1:${portA}` },
          { name: 'h1-b', address: `127.0.0.1:${portB}`, disabled: true },
        ],
        socket,
        frontend: { host: '127.0.0.1', port: front },
      }));
      await waitForServers(socket, ['h1'], 'UP', 5000);
      endpoint = await startElbv2Endpoint({
        port: 0,
        socketPath: socket,
        backend: 'app',
        targetGroup: {
          name: 'ports-tg',
          arn: ARN,
          port: portA,
          healthCheck: { ...healthCheck, path: '/health' },
          deregistrationDelaySeconds: 2,
        },
        targets: [
          { id: H1, server: 'h1', port: portA },
          { id: H1, server: 'h1-b', port: portB },
        ],
      });
      elb = new ElasticLoadBalancingV2Client({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${endpoint.port}`,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
    }, 30_000);

    afterAll(async () => {
      await endpoint?.close().catch(() => undefined);
      if (haproxy) await stopProc(haproxy);
      a.closeAllConnections();
      b.closeAllConnections();
      await Promise.all([new Promise((r) => a.close(r)), new Promise((r) => b.close(r))]);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('moves traffic from port A to port B with every request answered, then answers a fixed 503 until the rule goes', async () => {
      const portA = (a.address() as AddressInfo).port;
      const portB = (b.address() as AddressInfo).port;
      const answers: Answer[] = [];
      let stop = false;
      const load = (async () => {
        while (!stop) {
          answers.push(await get(front).catch(() => ({ status: 0, type: '', body: 'reset' })));
          await sleep(10);
        }
      })();
      const state = async (Port: number) =>
        (
          await elb.send(
            new DescribeTargetHealthCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port }] }),
          )
        ).TargetHealthDescriptions?.[0]?.TargetHealth?.State;

      expect(await state(portB)).toBe('unused');
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: portB }] }));
      expect(await state(portB)).toBe('initial');
      for (let i = 0; i < 50 && (await state(portB)) !== 'healthy'; i++) await sleep(100);
      expect(await state(portB)).toBe('healthy');
      const mark = answers.length;
      await sleep(500);
      expect(new Set(answers.slice(mark).map((x) => x.body))).toEqual(new Set(['A', 'B']));

      await elb.send(
        new DeregisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: portA }] }),
      );
      expect(await state(portA)).toBe('draining');
      await sleep(300);
      const afterDrain = answers.length;
      await sleep(500);
      expect(new Set(answers.slice(afterDrain).map((x) => x.body))).toEqual(new Set(['B']));

      const ListenerArn = (await elb.send(new DescribeListenersCommand({}))).Listeners?.[0]?.ListenerArn;
      const rule = await elb.send(
        new CreateRuleCommand({
          ListenerArn,
          Priority: 1,
          Conditions: [{ Field: 'path-pattern', Values: ['/*'] }],
          Actions: [
            {
              Type: 'fixed-response',
              FixedResponseConfig: {
                StatusCode: '503',
                ContentType: 'application/json',
                MessageBody: '{"down":true}',
              },
            },
          ],
        }),
      );
      expect(await get(front)).toEqual({ status: 503, type: 'application/json', body: '{"down":true}' });
      await elb.send(new DeleteRuleCommand({ RuleArn: rule.Rules?.[0]?.RuleArn }));
      expect(await get(front)).toMatchObject({ status: 200, body: 'B' });
      stop = true;
      await load;
      expect(answers.length).toBeGreaterThan(50);
      expect(answers.filter((x) => x.status !== 200 && x.status !== 503)).toEqual([]);
    }, 30_000);
  },
);
