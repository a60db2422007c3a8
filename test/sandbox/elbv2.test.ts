// The ELBv2 endpoint driven by the real AWS SDK client, in front of a real HAProxy (started here, on loopback,
// with its own two tiny backends): the target states an ALB reports, and what HAProxy really does with traffic.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Elbv2EndpointOptions, startElbv2Endpoint } from '../../scripts/sandbox/elbv2/server.ts';
import { currentSessions, showServers } from '../../scripts/sandbox/haproxy-runtime.ts';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/elbv2-test-tg/0123456789abcdef';
const H1 = 'i-0a0000000000000001';
const H2 = 'i-0a0000000000000002';
const DELAY_S = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function missingPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (the sandbox suite runs as root)';
  if (spawnSync('haproxy', ['-v']).error) return 'haproxy is not installed (apt-get install haproxy)';
  return undefined;
}
const missing = missingPrerequisite();
if (missing && !process.env.CI) console.warn(`SKIP test/sandbox/elbv2.test.ts: ${missing}`);

type Backend = { name: string; port: number; health: 'ok' | 'fail' | 'hang'; server: http.Server };

async function startBackend(name: string): Promise<Backend> {
  const backend = { name, port: 0, health: 'ok' } as Backend;
  backend.server = http.createServer((req, res) => {
    if (req.url === '/health') {
      if (backend.health === 'hang') return void setTimeout(() => res.end('late'), 2000);
      res.writeHead(backend.health === 'ok' ? 200 : 502).end();
      return;
    }
    if (req.url === '/slow') return void setTimeout(() => res.end(name), 1000);
    res.end(name);
  });
  await new Promise<void>((resolve) => backend.server.listen(0, '127.0.0.1', resolve));
  backend.port = (backend.server.address() as AddressInfo).port;
  return backend;
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One request through HAProxy on a fresh connection; resolves with the answering backend's name. */
function get(port: number, urlPath = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

async function whoAnswers(port: number, count = 40): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const name = await get(port);
    seen[name] = (seen[name] ?? 0) + 1;
  }
  return seen;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(missing !== undefined && !process.env.CI)('ELBv2 endpoint over HAProxy', () => {
  let dir = '';
  let socket = '';
  const backends: Backend[] = [];
  let haproxy: ChildProcess | undefined;
  let endpoint: { port: number; close(): Promise<void> } | undefined;
  let frontendPort = 0;
  let elb: ElasticLoadBalancingV2Client;
  let options: Elbv2EndpointOptions;
  const h1 = () => backends[0]!;

  const health = async (id?: string) => {
    const out = await elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: ARN, ...(id ? { Targets: [{ Id: id }] } : {}) }),
    );
    return out.TargetHealthDescriptions ?? [];
  };
  const stateOf = async (id: string) => (await health(id))[0]?.TargetHealth;
  const server = async (name: string) => (await showServers(socket, 'app')).find((s) => s.server === name)!;

  async function stopHaproxy(): Promise<void> {
    const child = haproxy;
    haproxy = undefined;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    if ((await Promise.race([exited, sleep(3000).then(() => 'timeout')])) === 'timeout') {
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
  }

  async function cleanup(): Promise<void> {
    await endpoint?.close().catch(() => undefined);
    endpoint = undefined;
    await stopHaproxy();
    for (const b of backends.splice(0)) {
      b.server.closeAllConnections();
      await new Promise((resolve) => b.server.close(resolve));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  const killOnExit = () => haproxy?.pid && process.kill(haproxy.pid, 'SIGKILL');

  beforeAll(async () => {
    if (missing) throw new Error(`CI is set, so this test does not skip: ${missing}`);
    process.once('exit', killOnExit);
    try {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-elbv2-'));
      socket = path.join(dir, 'admin.sock');
      backends.push(await startBackend('h1'), await startBackend('h2'));
      frontendPort = await freePort();
      const config = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(
        config,
        [
          'global',
          `  stats socket ${socket} mode 600 level admin`,
          'defaults',
          '  mode http',
          '  timeout connect 1s',
          '  timeout client 10s',
          '  timeout server 10s',
          '  timeout check 500ms',
          '  retries 0',
          'frontend fe',
          `  bind 127.0.0.1:${frontendPort}`,
          '  default_backend app',
          'backend app',
          '  balance roundrobin',
          '  option httpchk GET /health',
          '  http-check expect status 200',
          '  default-server check inter 1s fastinter 1s downinter 1s fall 2 rise 2',
          ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port}`),
          '',
        ].join('\n'),
      );
      const log = fs.openSync(path.join(dir, 'haproxy.log'), 'a');
      haproxy = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', log, log] });
      fs.closeSync(log);
      await waitFor(
        'both HAProxy servers UP with a passing check',
        async () => {
          const servers = await showServers(socket, 'app').catch(() => []);
          return servers.length === 2 && servers.every((s) => s.op === 'UP' && s.checkStatus === 'L7OK')
            ? true
            : undefined;
        },
        10_000,
      );
      options = {
        port: 0,
        socketPath: socket,
        backend: 'app',
        targetGroup: {
          name: 'elbv2-test-tg',
          arn: ARN,
          port: 8080,
          healthCheck: {
            intervalSeconds: 1,
            timeoutSeconds: 0.5,
            healthyThreshold: 2,
            unhealthyThreshold: 2,
            path: '/health',
          },
          deregistrationDelaySeconds: DELAY_S,
        },
        targets: backends.map((b, i) => ({ id: i === 0 ? H1 : H2, server: b.name, port: b.port })),
      };
      endpoint = await startElbv2Endpoint(options);
      elb = new ElasticLoadBalancingV2Client({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${endpoint.port}`,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
    } catch (error) {
      await cleanup();
      throw error;
    }
  });

  afterAll(async () => {
    await cleanup();
    process.off('exit', killOnExit);
  });

  it('DescribeTargetGroups and DescribeTargetGroupAttributes return the configured numbers', async () => {
    for (const input of [{ Names: ['elbv2-test-tg'] }, { TargetGroupArns: [ARN] }]) {
      const { TargetGroups } = await elb.send(new DescribeTargetGroupsCommand(input));
      expect(TargetGroups).toHaveLength(1);
      expect(TargetGroups![0]).toMatchObject({
        TargetGroupArn: ARN,
        TargetGroupName: 'elbv2-test-tg',
        Protocol: 'HTTP',
        Port: 8080,
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 1,
        HealthCheckTimeoutSeconds: 0.5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: '200' },
        TargetType: 'instance',
      });
    }
    const { Attributes } = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: ARN }));
    const attributes = Object.fromEntries((Attributes ?? []).map((a) => [a.Key, a.Value]));
    expect(attributes['deregistration_delay.timeout_seconds']).toBe(String(DELAY_S));
    expect(attributes).toMatchObject({ 'slow_start.duration_seconds': '0', 'stickiness.enabled': 'false' });
  });

  it('reports both targets healthy, and HAProxy routes to both', async () => {
    const all = await health();
    expect(all.map((d) => [d.Target?.Id, d.Target?.Port, d.TargetHealth?.State])).toEqual([
      [H1, h1().port, 'healthy'],
      [H2, backends[1]!.port, 'healthy'],
    ]);
    expect(Object.keys(await whoAnswers(frontendPort)).sort()).toEqual(['h1', 'h2']);
  });

  it('DeregisterTargets: draining at once, no new traffic, in-flight finishes, draining while idle, then unused', async () => {
    const inFlight = get(frontendPort, '/slow').catch((e: Error) => e.message); // lands on h1 or h2
    const inFlight2 = get(frontendPort, '/slow').catch((e: Error) => e.message); // round robin: the other one
    await sleep(100);
    expect(currentSessions(await server('h1'))).toBe(1);
    const t0 = Date.now();
    await elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: h1().port }] }),
    );
    expect(await stateOf(H1)).toEqual({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    });
    expect((await server('h1')).op).toBe('DRAIN');
    expect(await whoAnswers(frontendPort)).toEqual({ h2: 40 });
    expect((await Promise.all([inFlight, inFlight2])).sort()).toEqual(['h1', 'h2']); // drained, not cut
    await sleep(2000 - (Date.now() - t0));
    expect(currentSessions(await server('h1'))).toBe(0); // idle…
    expect((await stateOf(H1))?.State).toBe('draining'); // …yet draining for the whole delay, as an ALB reports
    expect((await health()).map((d) => d.Target?.Id)).toContain(H1);
    let slowestPollMs = 0;
    const unused = await waitFor(
      'unused',
      async () => {
        const asked = Date.now();
        const s = await stateOf(H1);
        slowestPollMs = Math.max(slowestPollMs, Date.now() - asked);
        return s?.State === 'draining' ? undefined : s;
      },
      DELAY_S * 1000 + 2000,
    );
    const elapsed = Date.now() - t0;
    expect(unused).toEqual({
      State: 'unused',
      Reason: 'Target.NotRegistered',
      Description: 'Target is not registered to the target group',
    });
    expect(elapsed).toBeGreaterThanOrEqual(DELAY_S * 1000);
    // Seen within a second of the delay, plus the slowest poll of this run: at load one
    // DescribeTargetHealth can take longer than the emulator's lateness (the model of drain.test.ts).
    expect(elapsed).toBeLessThan(DELAY_S * 1000 + 1000 + slowestPollMs);
    expect((await health()).map((d) => d.Target?.Id)).toEqual([H2]); // gone from the unfiltered list
    expect((await server('h1')).op).toBe('MAINT');
  });

  it('RegisterTargets: initial through fresh HAProxy checks, then healthy, and traffic returns', async () => {
    const t0 = Date.now();
    await elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H1, Port: h1().port }] }),
    );
    const seen: string[] = [];
    const routedWhileInitial: Record<string, number> = {};
    const healthy = await waitFor(
      'healthy',
      async () => {
        const s = await stateOf(H1);
        if (s?.State === 'healthy') return Date.now() - t0;
        seen.push(`${s?.State}/${s?.Reason}`);
        if (s?.State !== 'initial') return undefined;
        // The state read and the requests are not atomic: count them only if the target was still
        // `initial` after the last one, or a flip to UP in between would look like a leak.
        const answered = await whoAnswers(frontendPort, 4);
        if ((await stateOf(H1))?.State === 'initial') {
          for (const [k, v] of Object.entries(answered))
            routedWhileInitial[k] = (routedWhileInitial[k] ?? 0) + v;
        }
        return undefined;
      },
      10_000,
    );
    expect(seen[0]).toMatch(/^initial\/Elb\.(RegistrationInProgress|InitialHealthChecking)$/);
    expect(new Set(seen)).toContain('initial/Elb.InitialHealthChecking');
    expect(seen.every((s) => /^initial\/Elb\.(RegistrationInProgress|InitialHealthChecking)$/.test(s))).toBe(
      true,
    );
    expect(Object.keys(routedWhileInitial)).toEqual(['h2']);
    // rise 2 at inter 1s: at least one full interval of passing checks; an instant UP would mean no fresh checks
    expect(healthy).toBeGreaterThanOrEqual(900);
    expect((await server('h1')).op).toBe('UP');
    expect(Object.keys(await whoAnswers(frontendPort)).sort()).toEqual(['h1', 'h2']);
  });

  it('maps failing HAProxy checks onto the ALB reason codes', async () => {
    const h2 = backends[1]!;
    const reasonOf = async (id: string) => {
      const s = await stateOf(id);
      return s?.State === 'unhealthy' ? s : undefined;
    };
    try {
      h2.health = 'fail';
      expect(await waitFor('unhealthy (502)', () => reasonOf(H2), 6000)).toEqual({
        State: 'unhealthy',
        Reason: 'Target.ResponseCodeMismatch',
        Description: 'Health checks failed with these codes: [502]',
      });
      h2.health = 'hang';
      await waitFor(
        'a timed-out check',
        async () => ((await server('h2')).checkStatus === 'L7TOUT' ? true : undefined),
        6000,
      );
      expect(await stateOf(H2)).toMatchObject({ State: 'unhealthy', Reason: 'Target.Timeout' });
    } finally {
      h2.health = 'ok';
    }
    await waitFor(
      'healthy again',
      async () => ((await stateOf(H2))?.State === 'healthy' ? true : undefined),
      6000,
    );
  });

  it('answers AWS errors the SDK maps to its exceptions', async () => {
    await expect(elb.send(new DescribeTargetGroupsCommand({ Names: ['no-such-tg'] }))).rejects.toMatchObject({
      name: 'TargetGroupNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    const otherArn = ARN.replace('elbv2-test-tg', 'other-tg');
    await expect(
      elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: otherArn })),
    ).rejects.toMatchObject({
      name: 'TargetGroupNotFoundException',
    });
    const unknown = [{ Id: 'i-0fffffffffffffff9' }];
    await expect(
      elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: ARN, Targets: unknown })),
    ).rejects.toMatchObject({
      name: 'InvalidTargetException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      elb.send(new RegisterTargetsCommand({ TargetGroupArn: ARN, Targets: unknown })),
    ).rejects.toMatchObject({
      name: 'InvalidTargetException',
    });
    // Deregistering with the wrong port: 200 and nothing happens, as on AWS.
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: ARN, Targets: [{ Id: H2, Port: 1 }] }));
    expect((await stateOf(H2))?.State).toBe('healthy');
    const byPort = await elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: ARN, Targets: [{ Id: H2, Port: 1 }] }),
    );
    expect(byPort.TargetHealthDescriptions?.[0]?.TargetHealth).toMatchObject({
      State: 'unused',
      Reason: 'Target.NotRegistered',
    });
    const raw = await fetch(`http://127.0.0.1:${endpoint!.port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DeleteLoadBalancer&Version=2015-12-01',
    });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toMatch(
      /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/,
    );
  });

  it('runs as a process of its own (main.ts --config)', async () => {
    const config = path.join(dir, 'elbv2.json');
    fs.writeFileSync(config, JSON.stringify({ ...options, port: await freePort() }));
    const child = spawn(process.execPath, ['scripts/sandbox/elbv2/main.ts', '--config', config], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          const match = /^listening (\S+)/.exec(chunk.toString());
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`main.ts exited with ${code}`)));
      });
      const other = new ElasticLoadBalancingV2Client({
        region: 'us-east-1',
        endpoint: url,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      const { TargetHealthDescriptions } = await other.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: ARN }),
      );
      expect(TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['healthy', 'healthy']);
      const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
