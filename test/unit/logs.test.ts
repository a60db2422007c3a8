// `deploy logs`: the app log of the current release, read over SSH (a local test server that runs
// commands on this machine under a temp app.dir), the last N lines or followed until Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, OFFLINE_AWS, runCli } from '../helpers/cli.ts';
import { oneHostConfig, tempDir, writeConfig } from '../helpers/config.ts';
import { startSshServer, type TestSshServer } from '../helpers/ssh-server.ts';

const SECRET = 'hunter2-but-longer';
let server: TestSshServer;
let dir: string;
let log: string;
beforeAll(async () => {
  dir = tempDir();
  server = await startSshServer({ dir, shell: true });
  const release = join(dir, 'app', 'releases', 'r2');
  mkdirSync(release, { recursive: true });
  mkdirSync(join(dir, 'app', 'releases', 'r1'));
  writeFileSync(join(dir, 'app', 'releases', 'r1', 'app.log'), 'old release line\n');
  symlinkSync('releases/r2', join(dir, 'app', 'current'));
  log = join(release, 'app.log');
  writeFileSync(
    log,
    `connecting with password ${SECRET}\n${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n')}\n`,
  );
  const host = (name: string) => ({
    name,
    host: '127.0.0.1',
    port: server.port,
    user: 'root',
    privateKeyPath: 'id_ed25519',
  });
  writeConfig(dir, {
    app: {
      name: 'demo',
      dir: join(dir, 'app'),
      port: 8080,
      start: { command: 'java -jar a.jar', env: { DB_PASSWORD: SECRET } },
    },
    hosts: [host('web-1'), host('web-2')],
    loadBalancer: {
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 },
    },
    ssh: { knownHostsPath: 'known_hosts' },
  });
});
afterAll(() => server.close());

describe('deploy logs', () => {
  it('prints the last N lines of the current release log of one host', async () => {
    const r = await runCli(['logs', '--host', 'web-1', '--lines', '5'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('line 26\nline 27\nline 28\nline 29\nline 30\n');
  });

  it('masks the secrets of the config (app.start.env) that the app itself logged', async () => {
    const r = await runCli(['logs', '--host', 'web-1', '--lines', '31'], dir, OFFLINE_AWS);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).toContain('connecting with password ***\n');
  });

  it('without --host, every host, each line prefixed with its name; 100 lines by default', async () => {
    const r = await runCli(['logs'], dir, OFFLINE_AWS);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(62);
    expect(lines[1]).toBe('[web-1] line 1');
    expect(lines.at(-1)).toBe('[web-2] line 30');
  });

  it('refuses a bad --lines or an unknown host (exit 2)', async () => {
    for (const argv of [
      ['logs', '--lines', 'ten'],
      ['logs', '--lines', '0'],
      ['logs', '--host', 'web-9'],
    ]) {
      const r = await runCli(argv, dir, OFFLINE_AWS);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
    }
  });

  it('-f follows the log until Ctrl-C, then exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', '--host', 'web-1', '-f', '--lines', '1'], {
      cwd: dir,
      env: { ...process.env, ...OFFLINE_AWS, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toMatch(re);
    };
    await until(/line 30\n/);
    appendFileSync(log, 'a new line\n');
    await until(/a new line\n/);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toBe('line 30\na new line\n');
    // The remote tail was stopped, not left behind on the host.
    const tails = () =>
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((a) => a.startsWith('tail') && a.includes(log));
    for (let i = 0; i < 40 && tails().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(tails()).toEqual([]);
  });
});

describe('deploy logs on a host with nothing deployed', () => {
  it('says so, exit 1', async () => {
    const empty = tempDir();
    const s = await startSshServer({ dir: empty, shell: true });
    try {
      writeConfig(empty, oneHostConfig(empty, s.port));
      const r = await runCli(['logs'], empty, OFFLINE_AWS);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('web-1: no app.log in the current release');
    } finally {
      await s.close();
    }
  });
});
