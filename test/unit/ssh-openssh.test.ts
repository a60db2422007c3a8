// The SSH executor against a real OpenSSH sshd (9.x: SHA-1 `ssh-rsa` signatures refused), next to
// what the OpenSSH client does with the same files: an RSA-only host key known as `ssh-rsa`, key
// files others can read, the default keys and the agent when no key is configured, known_hosts
// patterns, @cert-authority lines, and the warning when host keys are not checked.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSsh, type SshExecutor, type SshTarget } from '../../src/executors/ssh.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { tempDir } from '../helpers/config.ts';
import { failure } from '../helpers/failure.ts';
import { keygenFingerprint, sshKeygen } from '../helpers/ssh-keys.ts';
import { opensshClient, type Sshd, sshdMissing, startSshd } from '../helpers/sshd.ts';

const missing = sshdMissing();
const suite = missing && !process.env.CI ? describe.skip : describe;
if (missing) console.warn(`[ssh-openssh] ${process.env.CI ? 'failing' : 'skipping'}: ${missing}`);

const echo: Cmd = { kind: 'mark', argv: ['echo', 'hello'] };
let sshd: Sshd | undefined;
let exec: SshExecutor | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await exec?.close();
  await sshd?.stop();
  for (const c of cleanups.splice(0)) c();
  exec = undefined;
  sshd = undefined;
});

async function server(hostKeyType: 'ed25519' | 'rsa' = 'ed25519') {
  if (missing) throw new Error(missing);
  const dir = tempDir();
  const client = sshKeygen(dir, 'id_client');
  sshd = await startSshd(dir, { hostKeyType, authorized: [client] });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
  const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    name: 'web-1',
    host: '127.0.0.1',
    port: sshd!.port,
    user: 'root',
    privateKeyPath: client.path,
    knownHostsPath: knownHosts,
    strictHostKeyChecking: true,
    connectTimeoutSeconds: 10,
    cwd: dir,
    agentSocket: undefined,
    home: join(dir, 'empty-home'),
    ...over,
  });
  return { dir, client, knownHosts, sshd, target };
}

// Real sshd and ssh-keygen (an RSA key among them): seconds on a quiet machine, 40 s seen at load 20.
suite('against OpenSSH sshd', { timeout: 90_000 }, () => {
  it('a host known only by its ssh-rsa line: connects with rsa-sha2-*, as the OpenSSH client does', async () => {
    const s = await server('rsa');
    expect(s.sshd.knownHostsLine).toMatch(/ ssh-rsa AAAA/);
    expect(opensshClient(s.sshd.port, { identity: s.client.path, knownHosts: s.knownHosts }).stdout).toBe(
      'ok\n',
    );
    exec = await connectSsh(s.target());
    expect((await exec.run(echo)).stdout).toBe('hello\n');
    expect(s.sshd.log()).toMatch(/Accepted publickey for root/);
  });

  it('refuses a private key that others can read, with the chmod that fixes it (OpenSSH refuses it too)', async () => {
    const s = await server();
    chmodSync(s.client.path, 0o644);
    const theirs = opensshClient(s.sshd.port, { identity: s.client.path, knownHosts: s.knownHosts });
    expect(theirs.stderr).toMatch(/UNPROTECTED PRIVATE KEY FILE/);
    const error = await failure(connectSsh(s.target()));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      `private key ${s.client.path} is accessible by others (mode 0644); OpenSSH refuses such a key, and so does handoff. Fix: chmod 600 ${s.client.path}`,
    );
    expect(s.sshd.log()).not.toMatch(/Accepted|Failed publickey/); // nothing was offered
  });

  it('no privateKeyPath: falls back to ~/.ssh/id_rsa, id_ecdsa, id_ed25519 in that order, as OpenSSH does', async () => {
    const s = await server();
    const home = join(s.dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    sshKeygen(join(home, '.ssh'), 'id_rsa', 'rsa'); // not authorized: offered first, refused
    const ecdsa = sshKeygen(join(home, '.ssh'), 'id_ecdsa', 'ecdsa');
    writeFileSync(join(s.dir, 'authorized_keys'), `${ecdsa.public}\n`);
    exec = await connectSsh(s.target({ privateKeyPath: undefined, home }));
    expect((await exec.run(echo)).stdout).toBe('hello\n');
    const log = s.sshd.log();
    expect(log.indexOf('RSA SHA256')).toBeLessThan(log.indexOf('Accepted publickey for root'));
    expect(log).toContain(`Accepted publickey for root from 127.0.0.1 port`);
    expect(log).toContain(`ECDSA ${keygenFingerprint(`${ecdsa.path}.pub`)}`);
  });

  it('no privateKeyPath: the agent first', async () => {
    const s = await server();
    const sock = join(s.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    cleanups.push(() => agent.kill());
    await until(() => {
      try {
        execFileSync('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock }, stdio: 'pipe' });
        return true;
      } catch (e) {
        return (e as { status?: number }).status === 1; // 1: up, no identities
      }
    });
    execFileSync('ssh-add', [s.client.path], { env: { SSH_AUTH_SOCK: sock }, stdio: 'pipe' });
    exec = await connectSsh(s.target({ privateKeyPath: undefined, agentSocket: sock }));
    expect((await exec.run(echo)).stdout).toBe('hello\n');
  });

  it('no key anywhere: the refused login says what was looked for', async () => {
    const s = await server();
    const error = await failure(connectSsh(s.target({ privateKeyPath: undefined })));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(
      'Offered: nothing; skipped: no agent (SSH_AUTH_SOCK unset) and none of ~/.ssh/id_rsa, ~/.ssh/id_ecdsa, ~/.ssh/id_ed25519 usable: set hosts[].privateKeyPath, or start an agent and ssh-add the key.',
    );
  });

  it('known_hosts patterns, negation and the bare-host fallback: accepted and refused exactly as ssh does', async () => {
    const s = await server();
    const key = s.sshd.hostKey.public;
    const cases: [string, boolean][] = [
      ['[127.0.0.*]:*,!10.*', true],
      ['127.0.0.1', true], // another port: ssh also looks under the bare host ("checking without port identifier")
      [`*,![127.0.0.1]:${s.sshd.port}`, true], // vetoed with the port, matched by `*` without it
      [`*,!127.0.0.1,![127.0.0.1]:*`, false],
      ['127.0.0.2,[127.0.0.1]:1', false],
    ];
    for (const [hosts, accepted] of cases) {
      writeFileSync(s.knownHosts, `${hosts} ${key}\n`);
      const theirs = opensshClient(s.sshd.port, { identity: s.client.path, knownHosts: s.knownHosts });
      expect(theirs.code === 0, `ssh with '${hosts}': ${theirs.stderr}`).toBe(accepted);
      const ours = await connectSsh(s.target()).then(
        async (e) => {
          await e.close();
          return 'connected';
        },
        (e: Error) => e.message,
      );
      expect(ours, hosts).toMatch(accepted ? /^connected$/ : /^unknown host key for 127\.0\.0\.1: SHA256:/);
    }
  });

  it('@cert-authority alone: refused, saying certificates are not verified', async () => {
    const s = await server();
    writeFileSync(s.knownHosts, `@cert-authority [127.0.0.1]:* ${s.client.public}\n`);
    const error = await failure(connectSsh(s.target({ strictHostKeyChecking: false })));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/vouched for only by @cert-authority \(line 1 of .*known_hosts\)/);
  });

  it('strictHostKeyChecking false and no known_hosts: connects, and warns once with the fingerprint ssh-keygen -l prints', async () => {
    const s = await server();
    const warnings: string[] = [];
    exec = await connectSsh(
      s.target({
        strictHostKeyChecking: false,
        knownHostsPath: join(s.dir, 'absent'),
        onWarning: (m) => warnings.push(m),
      }),
    );
    expect((await exec.run(echo)).stdout).toBe('hello\n');
    await exec.reconnect();
    expect((await exec.run(echo)).stdout).toBe('hello\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('WARNING: host key of 127.0.0.1 NOT VERIFIED');
    expect(warnings[0]).toContain(keygenFingerprint(`${s.sshd.hostKey.path}.pub`));
  });
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
}
