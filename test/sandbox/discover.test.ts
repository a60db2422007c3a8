// Hosts found through EC2 (hosts.discover, a local endpoint speaking EC2's Query protocol) are the
// hosts every command acts on: a stale lock left on discovered sandbox hosts stops `run` (exit 3),
// shows in `status`, and `unlock` clears it; `history` and `sample` reach them too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SSH_KEY } from '../../scripts/sandbox/contract.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { layout } from '../../src/remote/layout.ts';
import { acquireLock } from '../../src/remote/lock.ts';
import { shellJoin } from '../../src/remote/shell.ts';
import { sandboxConfig, startCli } from '../helpers/deploy-sandbox.ts';
import { type Ec2Endpoint, startEc2Endpoint } from '../helpers/ec2-endpoint.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

sandboxDescribe('commands on hosts discovered through EC2', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  let ec2: Ec2Endpoint;
  let dir: string;
  beforeAll(async () => {
    state = sandbox();
    ec2 = await startEc2Endpoint([
      ...state.hosts.map((h) => ({ id: h.instanceId, privateIp: h.ip, tags: { app: 'demo', Name: h.name } })),
      { id: 'i-0ffffffffffffffff', privateIp: '10.255.255.1', tags: { app: 'elsewhere', Name: 'x' } },
    ]);
    ({ dir } = sandboxConfig(state, {
      extra: {
        hosts: { discover: { tags: { app: 'demo' }, user: 'root', privateKeyPath: SSH_KEY } },
        loadBalancer: { region: 'us-east-1', healthCheck: state.healthCheck },
      },
    }));
  });
  afterAll(() => ec2?.close());

  const cli = (args: string[]) => startCli(args, dir, ec2.env).done;
  type Status = { hosts: { name: string; lock: { owner: string } | null }[] };

  it('a stale lock on discovered hosts: run refuses (3), status shows it, unlock clears it', async () => {
    const owner = {
      token: 'stale-token',
      owner: 'ci@gone',
      pid: 999999,
      machine: 'runner-that-died',
      startedAt: '2020-01-01T00:00:00.000Z',
    };
    for (const h of state.hosts)
      await sshRun(h.ip, shellJoin(acquireLock(layout('/srv/handoff'), owner).argv));

    const run = await cli(['run', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(3);
    const before = JSON.parse((await cli(['status', '--json'])).stdout) as Status;
    expect(before.hosts.map((h) => [h.name, h.lock?.owner])).toEqual([
      ['h1', 'ci@gone'],
      ['h2', 'ci@gone'],
    ]);

    const unlock = await cli(['unlock']);
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toMatch(/^h1: removed the lock of ci@gone \(pid 999999\)/m);
    expect(unlock.stdout).toMatch(/^h2: removed the lock of ci@gone \(pid 999999\)/m);
    const after = JSON.parse((await cli(['status', '--json'])).stdout) as Status;
    expect(after.hosts.every((h) => h.lock === null)).toBe(true);
    expect(ec2.requests.every((q) => q.get('Filter.2.Value.1') === 'demo')).toBe(true);
  });

  it('history and sample reach a discovered host by its Name tag', async () => {
    const history = await cli(['history', '--json', '--hosts', 'h2']);
    expect(history.code, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout).hosts.map((h: { name: string }) => h.name)).toEqual(['h2']);
    const sample = await cli(['sample', '--host', 'h1', '--duration', '2', '--json']);
    expect(sample.code, sample.stderr).toBe(0);
    expect(JSON.parse(sample.stdout).host).toBe('h1');
  });
});
