// Jump hosts (ProxyJump) against real SSH servers (ssh2's): the host is reached through one or two
// jump hosts, each hop's host key is checked against known_hosts under its own address, a hop whose
// key does not match is refused before anything reaches the host, and a lost jump connection fails
// the command it cut off while the next command dials the whole chain again.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSsh, type SshExecutor, type SshTarget } from '../../src/executors/ssh.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { tempDir } from '../helpers/config.ts';
import { failure } from '../helpers/failure.ts';
import { startSshServer, type TestSshServer } from '../helpers/ssh-server.ts';

const servers: TestSshServer[] = [];
let exec: SshExecutor | undefined;
afterEach(async () => {
  await exec?.close();
  exec = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const echo = (text: string): Cmd => ({ kind: 'mark', argv: ['echo', text] });
const line = (s: TestSshServer) => `[127.0.0.1]:${s.port} ${s.hostKey}\n`;

/** A host and `hops` jump hosts; known_hosts lists each under its own address. */
async function chain(hops: number) {
  const dir = tempDir();
  const host = await startSshServer({ dir });
  const jumps: TestSshServer[] = [];
  for (let i = 0; i < hops; i++) jumps.push(await startSshServer({ dir: tempDir(), jump: true }));
  servers.push(host, ...jumps);
  writeFileSync(join(dir, 'known_hosts'), [host, ...jumps].map(line).join(''));
  const target: SshTarget = {
    name: 'web-1',
    host: '127.0.0.1',
    port: host.port,
    user: 'deploy',
    privateKeyPath: 'id_ed25519',
    knownHostsPath: 'known_hosts',
    strictHostKeyChecking: true,
    connectTimeoutSeconds: 5,
    connectAttempts: 1,
    cwd: dir,
    jump: jumps.map((j) => ({ host: '127.0.0.1', port: j.port, user: 'bastion' })),
  };
  return { dir, host, jumps, target };
}

describe('jump hosts', () => {
  it('reaches the host through one jump host, which forwards to the host and nowhere else', async () => {
    const c = await chain(1);
    exec = await connectSsh(c.target);
    expect((await exec.run(echo('through'))).stdout).toBe('through\n');
    expect(c.jumps[0]!.forwards).toEqual([`127.0.0.1:${c.host.port}`]);
    expect(c.host.attempts()).toBe(1);
  });

  it('dials two hops in order: the first forwards to the second, the second to the host', async () => {
    const c = await chain(2);
    exec = await connectSsh(c.target);
    expect((await exec.run(echo('two hops'))).stdout).toBe('two hops\n');
    expect(c.jumps[0]!.forwards).toEqual([`127.0.0.1:${c.jumps[1]!.port}`]);
    expect(c.jumps[1]!.forwards).toEqual([`127.0.0.1:${c.host.port}`]);
  });

  it('refuses a jump host whose key is not the one known_hosts lists, and the host is never reached', async () => {
    const c = await chain(1);
    const other = await startSshServer({ dir: tempDir() });
    servers.push(other);
    // The jump host's address listed with another server's key: the hop's key "changed".
    writeFileSync(
      join(c.dir, 'known_hosts'),
      `${line(c.host)}[127.0.0.1]:${c.jumps[0]!.port} ${other.hostKey}\n`,
    );
    const error = await failure(connectSsh(c.target));
    expect(error.name).toBe('HostKeyError');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      new RegExp(
        `^jump host bastion@127\\.0\\.0\\.1:${c.jumps[0]!.port} \\(hop 1 to web-1\\): host key for 127\\.0\\.0\\.1 has CHANGED`,
      ),
    );
    expect(c.jumps[0]!.forwards).toEqual([]);
    expect(c.host.attempts()).toBe(0);
  });

  it('refuses an unknown jump host (its line missing), naming the line to add', async () => {
    const c = await chain(1);
    writeFileSync(join(c.dir, 'known_hosts'), line(c.host));
    const error = await failure(connectSsh(c.target));
    expect(error.name).toBe('HostKeyError');
    expect(error.message).toContain(`[127.0.0.1]:${c.jumps[0]!.port} ${c.jumps[0]!.hostKey}`);
    expect(c.host.attempts()).toBe(0);
  });

  it("checks the host's own key behind the jump host too", async () => {
    const c = await chain(1);
    writeFileSync(join(c.dir, 'known_hosts'), line(c.jumps[0]!));
    const error = await failure(connectSsh(c.target));
    expect(error.name).toBe('HostKeyError');
    expect(error.message).toMatch(/^unknown host key for 127\.0\.0\.1/);
  });

  it('a jump host that cannot reach the host is a clear error naming both', async () => {
    const c = await chain(1);
    await c.host.close();
    const error = await failure(connectSsh(c.target));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      new RegExp(
        `cannot reach web-1 \\(deploy@127\\.0\\.0\\.1:${c.host.port} via bastion@127\\.0\\.0\\.1:${c.jumps[0]!.port}\\): jump host .* cannot open a connection to 127\\.0\\.0\\.1:${c.host.port}`,
      ),
    );
  });

  it('a lost jump connection fails the command it cut off; the next one dials the chain again', async () => {
    const c = await chain(1);
    exec = await connectSsh(c.target);
    const pending = exec.run({ kind: 'mark', argv: ['hang'] });
    await new Promise((r) => setTimeout(r, 100));
    c.jumps[0]!.cut();
    const cut = await pending;
    expect(cut.code).toBe(255);
    expect(cut.connectionLost).toBe(true);
    expect((await exec.run(echo('again'))).stdout).toBe('again\n');
    expect(c.jumps[0]!.attempts()).toBe(2);
  });
});
