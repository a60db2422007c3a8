// `deploy plan` with a target group read through the real SDK from a local ELBv2 Query endpoint
// (the sandbox emulator with a fake HAProxy, served on 127.0.0.1): the AWS numbers reach the plan,
// each says where it came from, and AWS errors end as messages with exit 2.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEmulator, type Runtime } from '../../scripts/sandbox/elbv2/actions.ts';
import { respond } from '../../scripts/sandbox/elbv2/server.ts';
import type { ServerView } from '../../scripts/sandbox/elbv2/state.ts';
import { main } from '../../src/cli/main.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-tg/0123456789abcdef';
// Distinct from every default and from baseConfig's offline numbers, so a match proves the source.
const AWS_NUMBERS = { intervalSeconds: 7, timeoutSeconds: 3, healthyThreshold: 5, unhealthyThreshold: 4 };
const DELAY = 45;

let server: Server;
let endpoint: string;
const actions: string[] = [];
let throttleNext = 0;
const UP: ServerView = { op: 'UP', checkStatus: 'L7OK', checkCode: 200, checkHealth: 5 };
const DOWN: ServerView = { op: 'DOWN', checkStatus: 'L7STS', checkCode: 502, checkHealth: 0 };
let h2View = UP; // answer this many requests with ELBv2's real throttle (400 Throttling)

beforeAll(async () => {
  const runtime: Runtime = {
    servers: async () =>
      new Map([
        ['h1', UP],
        ['h2', h2View],
      ]),
    adminStates: async () =>
      new Map([
        ['h1', 'ready' as const],
        ['h2', 'ready' as const],
      ]),
    apply: async () => undefined,
  };
  const emulator = await createEmulator(
    {
      targetGroup: {
        name: 'web-tg',
        arn: ARN,
        port: 8080,
        healthCheck: { ...AWS_NUMBERS, path: '/health' },
        deregistrationDelaySeconds: DELAY,
      },
      targets: [
        { id: 'i-0a0000000000000001', server: 'h1', port: 8080 },
        { id: 'i-0a0000000000000002', server: 'h2', port: 8080 },
      ],
    },
    runtime,
  );
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', async () => {
      if (throttleNext > 0) {
        throttleNext--;
        actions.push('throttled');
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>',
        );
        return;
      }
      const answer = await respond(emulator, req.method ?? 'POST', req.url ?? '/', body);
      actions.push(answer.action);
      res.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-requestid': answer.requestId });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  actions.length = 0;
  throttleNext = 0;
  h2View = UP;
  vi.unstubAllEnvs();
  // Fake static credentials through the environment (the SDK's default chain), no profile, no IMDS.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});

function awsConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  let config = edit(baseConfig(), 'loadBalancer', { targetGroup: 'web-tg', region: 'us-east-1', endpoint });
  for (const [path, value] of Object.entries(overrides)) config = edit(config, path, value);
  return config;
}

async function plan(config: Record<string, unknown>, extra: string[] = []) {
  const dir = tempDir();
  const file = writeConfig(dir, config);
  const io = captureIo(dir);
  const code = await main(['plan', '--config', file, ...extra], io);
  return { code, out: io.out(), err: io.err() };
}

describe('deploy plan with a target group (local ELBv2 endpoint)', () => {
  it('prints the AWS numbers, each with source aws and the group', async () => {
    const r = await plan(awsConfig());
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Health check (source: aws, target group web-tg)');
    expect(r.out).toContain(
      'interval I = 7 s · timeout T = 3 s · unhealthy threshold N = 4 · healthy threshold H = 5',
    );
    // fixed-rate window with d = min(0.1, 3): (4-1)·7 + 0.1 .. 4·7 + 0.1
    expect(r.out).toContain('earliest = (N-1)·I + d = (4-1)·7 + 0.1 = 21.1 s');
    // the terms that come from the config say so
    expect(r.out).toContain('= 0.1 s (r: drain.responseSeconds, source: config)');
    expect(r.out).toContain('= 28.1 + 2 = 30.1 s (margin: drain.marginSeconds, source: config)');
    expect(actions).toEqual(['DescribeTargetGroups', 'DescribeTargetGroupAttributes']);
  });

  it('a Throttling answer on the wire is retried with backoff, then the plan succeeds', async () => {
    throttleNext = 1;
    const r = await plan(awsConfig());
    expect(r.code).toBe(0);
    expect(actions).toEqual(['throttled', 'DescribeTargetGroups', 'DescribeTargetGroupAttributes']);
  });

  it('deregister mode shows D from the attribute, with its source', async () => {
    const r = await plan(
      awsConfig({
        drain: { mode: 'deregister', maxRequestSeconds: 10 },
        'hosts.0.instanceId': 'i-0a0000000000000001',
        'hosts.1.instanceId': 'i-0a0000000000000002',
      }),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`deregistration delay D = ${DELAY} s (source: aws, target group web-tg)`);
  });

  it('--json carries the numbers, their source and the group (by ARN too)', async () => {
    const r = await plan(awsConfig({ 'loadBalancer.targetGroup': ARN }), ['--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.healthCheck).toEqual({ ...AWS_NUMBERS, source: 'aws' });
    expect(json.drain.deregistrationDelaySeconds).toEqual({ value: DELAY, source: 'aws' });
    expect(json.targetGroup).toEqual({ name: 'web-tg', arn: ARN });
  });

  it('an offline config still says source: config, and names no group', async () => {
    const r = await plan(baseConfig());
    expect(r.code).toBe(0);
    expect(r.out).toContain('Health check (source: config)');
    expect(actions).toEqual([]);
  });

  it('an unknown group: exit 2, the name, the region and how to list groups', async () => {
    const r = await plan(awsConfig({ 'loadBalancer.targetGroup': 'web-tgg' }));
    expect(r.code).toBe(2);
    expect(r.err).toContain("target group 'web-tgg' not found in us-east-1");
    expect(r.err).toContain('aws elbv2 describe-target-groups --region us-east-1');
  });

  it('no credentials anywhere: exit 2 naming the chain, and nothing sent', async () => {
    const empty = tempDir();
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', join(empty, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(empty, 'credentials'));
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', undefined);
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', undefined);
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', undefined);
    const r = await plan(awsConfig());
    expect(r.code).toBe(2);
    expect(r.err).toContain('no AWS credentials found for elasticloadbalancing:DescribeTargetGroups');
    expect(r.err).toContain('aws-actions/configure-aws-credentials');
    expect(actions).toEqual([]);
  });

  it('no region anywhere: exit 2 naming loadBalancer.region and AWS_REGION', async () => {
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', join(tempDir(), 'config'));
    const r = await plan(awsConfig({ 'loadBalancer.region': undefined }));
    expect(r.code).toBe(2);
    expect(r.err).toContain('no AWS region');
    expect(r.err).toContain('loadBalancer.region');
  });
});

describe('deploy run --dry-run with a target group', () => {
  const withTargets = (over: Record<string, unknown> = {}) =>
    awsConfig({
      'hosts.0.instanceId': 'i-0a0000000000000001',
      'hosts.1.instanceId': 'i-0a0000000000000002',
      ...over,
    });
  async function dryRun(config: Record<string, unknown>) {
    const dir = tempDir();
    const file = writeConfig(dir, config);
    const io = captureIo(dir);
    const code = await main(['run', '--dry-run', '--config', file], io);
    return { code, out: io.out(), err: io.err() };
  }

  it('deregister mode: the writes are recorded, never sent; target health is read once', async () => {
    const r = await dryRun(withTargets({ drain: { mode: 'deregister', maxRequestSeconds: 10 } }));
    expect(r.code, r.out + r.err).toBe(0);
    for (const [host, id] of [
      ['a', 'i-0a0000000000000001'],
      ['b', 'i-0a0000000000000002'],
    ])
      for (const action of ['DeregisterTargets', 'RegisterTargets'])
        expect(r.out).toMatch(
          new RegExp(
            `\\n {2}${host} +elbv2 +${action} --target-group-arn ${ARN} --targets Id=${id},Port=8080\\n`,
          ),
        );
    expect(actions.filter((a) => /Register|Deregister/.test(a))).toEqual([]);
    expect(actions.filter((a) => a === 'DescribeTargetHealth')).toEqual(['DescribeTargetHealth']);
  });

  it('the last-healthy guard answers from the live target health', async () => {
    h2View = DOWN;
    const r = await dryRun(withTargets());
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/no other healthy target in the target group: draining a would take the app down/);
    expect(r.out).not.toMatch(/\n {2}a +drain\.post/);
    expect(actions).toContain('DescribeTargetHealth');
  });
});
