// A real OpenSSH sshd on loopback for the tests where what OpenSSH accepts is the point (host-key
// algorithms, which keys it takes): its own host key of a chosen type, key-only logins for root
// from one authorized_keys file, started in the foreground and stopped by its PID. Needs root and
// sshd; elsewhere the tests that use it skip with the reason (never under CI).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { closedPort } from './ports.ts';
import { type KeyType, sshKeygen, type TestKey } from './ssh-keys.ts';

export const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));

/** Why a real sshd cannot run here, or undefined when it can. */
export function sshdMissing(): string | undefined {
  if (!SSHD) return 'no sshd binary (apt-get install openssh-server)';
  if (process.getuid?.() !== 0) return 'sshd needs root';
  return undefined;
}

export type Sshd = {
  port: number;
  hostKey: TestKey;
  /** The known_hosts line for this server (`[127.0.0.1]:PORT type base64`). */
  knownHostsLine: string;
  /** Everything sshd logged (-e), for failure messages. */
  log: () => string;
  stop: () => Promise<void>;
};

export async function startSshd(
  dir: string,
  o: { hostKeyType: KeyType; authorized: TestKey[] },
): Promise<Sshd> {
  if (!SSHD) throw new Error(sshdMissing());
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  const hostKey = sshKeygen(dir, `ssh_host_${o.hostKeyType}_key`, o.hostKeyType);
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, `${o.authorized.map((k) => k.public).join('\n')}\n`, { mode: 0o600 });
  const port = await closedPort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey.path}`,
      `AuthorizedKeysFile ${authorized}`,
      'PidFile none',
      'StrictModes no', // the test directory's parents are not root-only
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'LogLevel VERBOSE',
    ].join('\n'),
  );
  const check = spawnSync(SSHD, ['-t', '-f', config], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`sshd -t: ${check.stderr}`);
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  await waitForPort(port, () => log);
  return {
    port,
    hostKey,
    knownHostsLine: `[127.0.0.1]:${port} ${hostKey.public}`,
    log: () => log,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

async function waitForPort(port: number, log: () => string): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}:\n${log()}`);
}

/** The OpenSSH client itself, for the same connection: what a user's `ssh` says. */
export function opensshClient(
  port: number,
  opts: { identity?: string; knownHosts: string; home?: string; command?: string },
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    'ssh',
    [
      '-p',
      String(port),
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${opts.knownHosts}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'IdentitiesOnly=yes',
      ...(opts.identity ? ['-i', opts.identity] : []),
      'root@127.0.0.1',
      opts.command ?? 'echo ok',
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, ...(opts.home ? { HOME: opts.home } : {}), SSH_AUTH_SOCK: '' },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
