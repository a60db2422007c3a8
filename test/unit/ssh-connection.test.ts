// The SSH executor against a real SSH server (ssh2's) behind a proxy that fails connections the
// way networks do: network failures are retried, answers (a wrong host key, a refused login) are
// not; a connection lost mid-command fails that command and never the CLI, and the next command
// (the undo that puts the old release back) gets a new connection.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSsh, type SshExecutor, type SshTarget } from '../../src/executors/ssh.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { tempDir } from '../helpers/config.ts';
import { failure } from '../helpers/failure.ts';
import { startSshServer, type TestSshServer } from '../helpers/ssh-server.ts';

let server: TestSshServer | undefined;
let exec: SshExecutor | undefined;
afterEach(async () => {
  await exec?.close();
  await server?.close();
  exec = undefined;
  server = undefined;
});

async function setup(over: Partial<SshTarget> = {}, refuseLogin = false) {
  const dir = tempDir();
  server = await startSshServer({ dir, refuseLogin });
  const target: SshTarget = {
    name: 'web-1',
    host: '127.0.0.1',
    port: server.port,
    user: 'deploy',
    privateKeyPath: 'id_ed25519',
    knownHostsPath: 'known_hosts',
    strictHostKeyChecking: true,
    connectTimeoutSeconds: 5,
    connectAttempts: 3,
    cwd: dir,
    ...over,
  };
  return { dir, server, target };
}

const echo = (text: string): Cmd => ({ kind: 'mark', argv: ['echo', text] });
const hang: Cmd = { kind: 'mark', argv: ['hang'] };

describe('connecting', () => {
  it('retries connections reset by the network, then runs the command', async () => {
    const s = await setup();
    s.server.resetNext(2);
    exec = await connectSsh(s.target);
    expect(s.server.attempts()).toBe(3);
    expect((await exec.run(echo('hello'))).stdout).toBe('hello\n');
  });

  it('gives up after connectAttempts and says how many were made', async () => {
    const s = await setup({ connectAttempts: 2 });
    s.server.resetNext(5);
    const error = await failure(connectSsh(s.target));
    expect(s.server.attempts()).toBe(2);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      new RegExp(
        `^cannot reach web-1 \\(deploy@127\\.0\\.0\\.1:${s.server.port}\\): .* \\(2 attempts\\)\\. `,
      ),
    );
  });

  it('a changed host key is refused at once: one attempt, never retried', async () => {
    const s = await setup();
    // Another server's key recorded for this address: the key "changed".
    const other = await startSshServer({ dir: tempDir() });
    await other.close();
    writeFileSync(join(s.dir, 'known_hosts'), `[127.0.0.1]:${s.server.port} ${other.hostKey}\n`);
    const error = await failure(connectSsh(s.target));
    expect(error.name).toBe('HostKeyError');
    expect(error.message).toMatch(/CHANGED/i);
    expect(s.server.attempts()).toBe(1);
  });

  it('a refused login is not retried, and names the user and key to check', async () => {
    const s = await setup({}, true);
    const error = await failure(connectSsh(s.target));
    expect(s.server.attempts()).toBe(1);
    expect(error.message).toMatch(
      /The host refused the key for deploy: check hosts\[\]\.user and privateKeyPath/,
    );
  });
});

/** Connects, starts a command that never ends, then lets the network fail under it. */
async function hangThen(s: Awaited<ReturnType<typeof setup>>, fault: () => void) {
  const e = await connectSsh(s.target);
  exec = e;
  const running = e.run(hang);
  await new Promise((r) => setTimeout(r, 200));
  fault();
  return { r: await running, e };
}

describe('a connection lost during a deploy', () => {
  it('a reset fails the running command with exit 255; the next command reconnects', async () => {
    const s = await setup();
    const { r, e } = await hangThen(s, () => s.server.cut());
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/the SSH connection to web-1 was lost \(.*ECONNRESET.*\)/);
    expect((await e.run(echo('back'))).stdout).toBe('back\n');
    expect(s.server.attempts()).toBe(2);
    expect(e.reconnects).toBe(1);
  });

  it("a reset before the command's channel is open fails it the same way, never with an exception", async () => {
    const s = await setup();
    const e = await connectSsh(s.target);
    exec = e;
    const running = e.run(hang);
    s.server.cut(); // before the exec request is answered
    const r = await running;
    expect(r.code).toBe(255);
    expect(r.connectionLost).toBe(true);
    expect(r.stderr).toMatch(/the SSH connection to web-1 was lost/);
    expect((await e.run(echo('back'))).stdout).toBe('back\n');
  });

  it('a path that goes silent ends in a keepalive timeout, not a hung deploy or a crash', async () => {
    const s = await setup({ keepaliveSeconds: 0.2 });
    const { r, e } = await hangThen(s, () => s.server.freeze());
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/was lost \(Keepalive timeout\)/);
    expect((await e.run(echo('again'))).stdout).toBe('again\n');
  });

  it('a closed executor does not reconnect', async () => {
    const s = await setup();
    exec = await connectSsh(s.target);
    await exec.close();
    await expect(exec.run(echo('x'))).rejects.toThrow(/connection to web-1 is closed/);
    expect(s.server.attempts()).toBe(1);
  });
});

describe("a step's deadline (RunOptions.deadline)", () => {
  it('closes the channel of a command still running at the deadline: exit 124 naming it, the connection kept', async () => {
    const s = await setup();
    exec = await connectSsh(s.target);
    const t0 = performance.now();
    const r = await exec.run(hang, { deadline: Date.now() + 400 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(350);
    // Closed at the deadline, not whenever the command ends (never): this whole test took 0.9-1.7 s
    // in eight logged suite runs (load up to 22), the run itself a part of it.
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/mark on web-1 passed its step's deadline/);
    expect(r.connectionLost).toBeUndefined();
    // A command that ends in time is untouched, and the same connection serves it.
    expect(await exec.run(echo('after'), { deadline: Date.now() + 5_000 })).toMatchObject({
      code: 0,
      stdout: 'after\n',
    });
    expect(s.server.attempts()).toBe(1);
  });
});
