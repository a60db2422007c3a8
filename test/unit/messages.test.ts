// Every message a user meets when a deploy cannot go on names the fix (issue 7, item 3). Each is
// triggered for real here: the SSH executor, the lock on the hosts, the engine's health step.
// (Missing AWS credentials are covered with the AWS adapter's tests.)
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHeld } from '../../src/engine/locks.ts';
import { connectSsh, type SshTarget } from '../../src/executors/ssh.ts';
import { tempDir } from '../helpers/config.ts';
import { runEngine } from '../helpers/engine.ts';
import { closedPort } from '../helpers/ports.ts';

const target = (over: Partial<SshTarget>): SshTarget => ({
  name: 'web-1',
  host: '10.0.0.9',
  port: 22,
  user: 'deploy',
  knownHostsPath: 'known_hosts',
  strictHostKeyChecking: true,
  connectTimeoutSeconds: 2,
  cwd: tempDir(),
  ...over,
});

/** The error connecting gives; a connection that succeeds fails the test. */
async function connectError(t: SshTarget): Promise<Error & { exitCode?: number }> {
  try {
    await (await connectSsh(t)).close();
  } catch (error) {
    return error as Error & { exitCode?: number };
  }
  throw new Error(`connected to ${t.host}:${t.port}, but a failure was expected`);
}

describe('known_hosts missing', () => {
  it('gives the exact ssh-keyscan line and says why to check the fingerprint', async () => {
    const t = target({ knownHostsPath: 'ssh/known_hosts' });
    const file = join(t.cwd, 'ssh/known_hosts');
    const error = await connectError(t);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(
      `known_hosts file ${file} is missing, so web-1 (10.0.0.9) cannot be verified`,
    );
    expect(error.message).toContain(`\n    ssh-keyscan -t ed25519 10.0.0.9 >> ${file}\n`);
    expect(error.message).toMatch(/ssh-keyscan accepts whatever answers on the network/);
    expect(error.message).toContain(`ssh-keygen -lf ${file}`);
    expect(error.message).toMatch(/EC2 console: Get system log/);
  });

  it('adds -p for a non-standard SSH port, so the line matches what ssh looks up', async () => {
    const t = target({ port: 2222 });
    const error = await connectError(t);
    expect(error.message).toContain(
      `ssh-keyscan -p 2222 -t ed25519 10.0.0.9 >> ${join(t.cwd, 'known_hosts')}`,
    );
  });
});

describe('host unreachable', () => {
  it('a refused connection names the host, the address and what to check', async () => {
    const port = await closedPort();
    const t = target({ host: '127.0.0.1', port });
    writeFileSync(join(t.cwd, 'known_hosts'), '');
    const error = await connectError(t);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      new RegExp(
        `^cannot reach web-1 \\(deploy@127\\.0\\.0\\.1:${port}\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\. Nothing accepts connections on port ${port} there: is sshd running, and is hosts\\[\\]\\.port right\\?$`,
      ),
    );
  });

  it('a host that never answers points at the security group', async () => {
    // Accepts TCP and never speaks SSH: ssh2's ready timeout fires, with the same error it gives
    // when a security group drops the packets (the timer covers the TCP connect too).
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const t = target({ host: '127.0.0.1', port, connectTimeoutSeconds: 0.5 });
    writeFileSync(join(t.cwd, 'known_hosts'), '');
    try {
      const error = await connectError(t);
      expect(error.message).toMatch(
        new RegExp(
          `^cannot reach web-1 \\(deploy@127\\.0\\.0\\.1:${port}\\): Timed out while waiting for handshake\\. No answer: check the address and that the security group allows port ${port} from this machine`,
        ),
      );
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});

describe('lock held', () => {
  const held = {
    token: 'other',
    owner: 'alice@laptop',
    pid: 99999,
    machine: 'laptop',
    startedAt: '2025-12-31T23:55:00.000Z',
    runUrl: 'https://github.com/me/app/actions/runs/7',
  };

  it('through the engine: exit 3, who, since when, the CI run and `deploy unlock`', async () => {
    const run = runEngine({
      respond: (host, cmd) =>
        host === 'b' && cmd.kind === 'lock.acquire' ? { stdout: `held\n${JSON.stringify(held)}` } : undefined,
    });
    await expect(run).rejects.toMatchObject({
      exitCode: 3,
      message:
        'another deploy holds the lock on b: alice@laptop (pid 99999) since 2025-12-31T23:55:00.000Z, 5 min ago, run https://github.com/me/app/actions/runs/7. Wait for it (`--wait-lock SECONDS` queues behind it), or if it died, run `deploy unlock`.',
    });
  });

  it('an old lock is called stale, and an unreadable one names the host to unlock', () => {
    const now = Date.parse(held.startedAt) + 90 * 60_000;
    expect(describeHeld('b', '/srv/app/.handoff/lock', held, 60, now)).toBe(
      'deploy lock on b looks stale: taken by alice@laptop (pid 99999) since 2025-12-31T23:55:00.000Z, 90 min ago, run https://github.com/me/app/actions/runs/7. If no deploy is running, clear it with `deploy unlock`.',
    );
    expect(describeHeld('b', '/srv/app/.handoff/lock', undefined, 60, now)).toBe(
      'deploy lock on b is held (/srv/app/.handoff/lock, owner unreadable). If no deploy is running, clear it with `deploy unlock --hosts b`.',
    );
  });
});

describe('health never passed', () => {
  const appLog = ['Starting App v2', 'APPLICATION FAILED TO START', 'Port 8080 was already in use.'];
  const respond = (started: () => number) => (host: string, cmd: { kind: string; argv: string[] }) => {
    if (cmd.kind === 'state.read') return { stdout: 'current=r1\npid=4242\nstate=alive\n' };
    // the new JVM (first start) answers 503; the restored old one (second start) 200
    if (host === 'a' && cmd.kind === 'health.probe') return { stdout: started() === 1 ? '503' : '200' };
    if (cmd.kind === 'app.tail') return { stdout: `${appLog.join('\n')}\n` };
    return undefined;
  };

  it('gives the status codes seen and the tail of the app log from the host', async () => {
    let started = 0;
    const r = await runEngine({
      respond: (host, cmd) => {
        if (cmd.kind === 'jvm.start') started++;
        return respond(() => started)(host, cmd);
      },
    });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.error).toMatch(
      /\/health never passed on a: no 200 within 120 s; statuses seen: 503 ×\d+ \(000 = no answer\)\n {2}last lines of the app log:\n/,
    );
    expect(r.run.error).toContain(`\n    ${appLog.join('\n    ')}`);
    const failed = r.events.find((e) => e.kind === 'step:end' && !e.ok);
    expect(failed).toMatchObject({ host: 'a', step: 'health' });
  });

  it('says so at once when the new JVM has exited', async () => {
    let started = 0;
    const r = await runEngine({
      respond: (host, cmd) => {
        if (cmd.kind === 'jvm.start') started++;
        if (host === 'a' && cmd.kind === 'jvm.alive' && started === 1) return { stdout: 'dead\n' };
        return respond(() => started)(host, cmd);
      },
    });
    expect(r.run.error).toMatch(
      /\/health never passed on a: the JVM \(pid 4343\) exited; statuses seen: 503 ×1/,
    );
    expect(r.run.error).toContain('Port 8080 was already in use.');
  });
});
