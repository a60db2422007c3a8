// `status`, `history`, `unlock` and `sample` on a config that finds its hosts through EC2
// (hosts.discover): they ask EC2 (a local endpoint speaking its Query protocol, through the real
// SDK) as plan and run do, so a stale lock on discovered hosts can be cleared; and their usage errors
// exit 2 before anything is touched.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_AWS, runCli } from '../helpers/cli.ts';
import { historyEntry, oneHostConfig, tempDir, writeConfig } from '../helpers/config.ts';
import { type Ec2Endpoint, startEc2Endpoint } from '../helpers/ec2-endpoint.ts';
import { startSshServer, type TestSshServer } from '../helpers/ssh-server.ts';

let ec2: Ec2Endpoint;
beforeAll(async () => {
  ec2 = await startEc2Endpoint([
    // 127.0.0.2:22: loopback where nothing listens, so the SSH attempt fails at once, naming the host.
    { id: 'i-0a1', privateIp: '127.0.0.2', tags: { app: 'web', Name: 'web-1' } },
    { id: 'i-0b2', privateIp: '127.0.0.3', tags: { app: 'other', Name: 'db-1' } },
  ]);
});
afterAll(() => ec2.close());

function discoverConfig(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'known_hosts'), '');
  writeConfig(dir, {
    app: { name: 'demo', dir: '/srv/demo', port: 8080 },
    hosts: { discover: { tags: { app: 'web' }, user: 'deploy' } },
    loadBalancer: {
      region: 'us-east-1',
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 },
    },
    ssh: { knownHostsPath: 'known_hosts', connectAttempts: 1, connectTimeoutSeconds: 3 },
  });
  return dir;
}

describe('side commands resolve hosts.discover through EC2', () => {
  for (const argv of [['status'], ['history'], ['unlock'], ['sample', '--host', 'web-1', '--duration', '1']])
    it(`deploy ${argv[0]}`, async () => {
      const dir = discoverConfig();
      const before = ec2.requests.length;
      const r = await runCli(argv, dir, { ...OFFLINE_AWS, ...ec2.env });
      const asked = ec2.requests.slice(before);
      expect(asked.map((q) => q.get('Action'))).toEqual(['DescribeInstances']);
      expect(asked[0]!.get('Filter.2.Name')).toBe('tag:app');
      // The discovered host is the one it then tries to reach: EC2's answer was used.
      expect(r.stderr).toContain('cannot reach web-1 (deploy@127.0.0.2:22)');
      expect(r.stderr).not.toContain('hosts.discover needs EC2 access');
      expect(r.code).toBe(2);
    });
});

describe('sample usage errors exit 2', () => {
  for (const host of [',', ' ', 'a,b'])
    it(`--host '${host}'`, async () => {
      const dir = discoverConfig();
      const r = await runCli(['sample', '--host', host, '--duration', '1'], dir, {
        ...OFFLINE_AWS,
        ...ec2.env,
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('deploy sample takes one host name: --host NAME');
    });
});

describe('a history.jsonl line cut short (a full disk, a killed write) is skipped with a warning', () => {
  let server: TestSshServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    server = await startSshServer({ dir, shell: true });
    const meta = join(dir, 'app', '.handoff');
    // `current` is r3, which no readable entry deployed: rollback must stop at "no previous release"
    // (exit 2) once it has read the history, before any step could run against this machine.
    mkdirSync(join(dir, 'app', 'releases', 'r3'), { recursive: true });
    symlinkSync(join(dir, 'app', 'releases', 'r3'), join(dir, 'app', 'current'));
    mkdirSync(meta, { recursive: true });
    const entry = (release: string, from: string | null) => JSON.stringify(historyEntry(release, from));
    writeFileSync(
      join(meta, 'history.jsonl'),
      `${entry('r1', null)}\n{"release":"r2","from":"r1","res\n${entry('r2', 'r1')}\n`,
    );
    writeConfig(dir, oneHostConfig(dir, server.port));
  });
  afterAll(() => server.close());

  it('deploy history lists the readable entries, exit 0', async () => {
    const r = await runCli(['history', '--json'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'web-1: history.jsonl line 2 is not a whole JSON line (cut short?); skipped it',
    );
    const deploys = JSON.parse(r.stdout).hosts[0].deploys as { release: string }[];
    expect(deploys.map((d) => d.release)).toEqual(['r1', 'r2']);
  });

  it('deploy rollback reads the readable entries and answers from them (exit 2, not 70)', async () => {
    const r = await runCli(['rollback', '--json'], dir, OFFLINE_AWS);
    expect(r.stderr).toContain(
      'web-1: history.jsonl line 2 is not a whole JSON line (cut short?); skipped it',
    );
    expect(r.stderr).toContain('web-1: no deploy of the current release (r3) in its history');
    expect(r.code).toBe(2);
  });
});

describe('status names the environment it applied, and the one holding a lock', () => {
  let server: TestSshServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    server = await startSshServer({ dir, shell: true });
    mkdirSync(join(dir, 'app', 'releases', 'r1'), { recursive: true });
    symlinkSync(join(dir, 'app', 'releases', 'r1'), join(dir, 'app', 'current'));
    mkdirSync(join(dir, 'app', '.handoff', 'lock'), { recursive: true });
    writeFileSync(
      join(dir, 'app', '.handoff', 'lock', 'owner.json'),
      JSON.stringify({
        token: 't',
        owner: 'ci@runner',
        pid: 7,
        machine: 'runner',
        startedAt: '2026-01-01T00:00:00.000Z',
        environment: 'staging',
      }),
    );
    writeConfig(dir, {
      ...oneHostConfig(dir, server.port),
      environments: { staging: { app: { name: 'demo-staging' } } },
    });
  });
  afterAll(() => server.close());

  it('text: a first line with the app and the environment; the lock with its environment', async () => {
    const r = await runCli(['status', '--env', 'staging'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(0);
    const [head, host] = r.stdout.split('\n');
    expect(head).toBe('demo-staging · environment staging');
    expect(host).toMatch(
      /^web-1: release r1, .*; LOCKED by ci@runner since 2026-01-01T00:00:00.000Z \(environment staging\)$/,
    );
  });

  it('text without --env: no environment line', async () => {
    const r = await runCli(['status'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^web-1: release r1, /);
  });

  it('--json: the environment applied, and the lock owner’s', async () => {
    const r = await runCli(['status', '--env', 'staging', '--json'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ app: 'demo-staging', environment: 'staging' });
    expect(doc.hosts[0].lock).toMatchObject({ owner: 'ci@runner', environment: 'staging' });
    const base = JSON.parse((await runCli(['status', '--json'], dir, OFFLINE_AWS)).stdout);
    expect(base).not.toHaveProperty('environment');
  });
});
