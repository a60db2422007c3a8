// How the JVM is started and how a hand-started app is adopted, run for real through the local
// executor (the same script text the SSH executor sends): secrets travel on stdin, land in a 0600
// file, never in an argv; /proc data is read NUL by NUL, so a multi-line value stays one value.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { uploaderFor } from '../../src/engine/source.ts';
import { LocalExecutor } from '../../src/executors/local.ts';
import { RecordingExecutor } from '../../src/executors/recording.ts';
import * as c from '../../src/remote/commands.ts';
import { layout } from '../../src/remote/layout.ts';

const dir = mkdtempSync(join(tmpdir(), 'handoff-start-'));
const l = layout(dir);
const exec = new LocalExecutor(dir);
const started: number[] = [];
afterAll(() => {
  for (const pid of started)
    try {
      process.kill(-pid, 'SIGKILL'); // the process group: a stand-in's own sleep goes too
    } catch {}
});

const SECRET = 'pa55-W0rd-do-not-show';
// Lines that, split on newlines and handed to `env`, would run `sh -c 'touch PWNED'`.
const PEM = `-----BEGIN KEY-----\nsh\n-c\ntouch ${join(dir, 'PWNED')}\nit's "quoted" $HOME \`id\`\n-----END KEY-----`;

// The PID is known before the detached child has exec'ed its command (before that, a forked shell
// shows its parent's argv): wait until the argv starts with `prefix`, NUL-separated.
async function execd(pid: number, ...prefix: string[]): Promise<void> {
  const want = `${prefix.join('\0')}\0`;
  for (let i = 0; i < 150; i++) {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(want)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`pid ${pid} never became ${prefix.join(' ')}`);
}

const environ = (pid: number) =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

describe('jvm.start', () => {
  it('env values are not in the argv; they travel on stdin, and a dry run shows them masked', () => {
    const cmd = c.startJvm(l, 'r1', 'sleep 1', { DB_PASSWORD: SECRET });
    expect(cmd.argv.join(' ')).not.toContain(SECRET);
    expect(cmd.input?.data).toContain(SECRET);
    expect(cmd.input?.shown).not.toContain(SECRET);
    expect(cmd.input?.shown).toContain("'DB_PASSWORD=***'");
    const log: { command: string }[] = [];
    new RecordingExecutor('h1', log as never).run(cmd);
    expect(log[0]?.command).not.toContain(SECRET);
  });

  it('the spec is stored mode 0600 and the app gets every value intact', async () => {
    await exec.run(c.createRelease(l, 'r1'));
    const r = await exec.run(c.startJvm(l, 'r1', 'sleep 310', { DB_PASSWORD: SECRET, TLS_KEY: PEM }));
    expect(r.code, r.stderr).toBe(0);
    const pid = Number(r.stdout.trim());
    started.push(pid);
    await execd(pid, 'sleep');
    const spec = join(l.release('r1'), '.handoff-start');
    expect(statSync(spec).mode & 0o777).toBe(0o600);
    const env = environ(pid);
    expect(env.DB_PASSWORD).toBe(SECRET);
    expect(env.TLS_KEY).toBe(PEM);
    expect(env.HANDOFF_RELEASE).toBe('r1');
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u0000310\u0000');
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
    await exec.run(c.stopJvm(pid, 5));
  });

  it('a restart of a release recorded world-readable (an older version) makes it 0600', async () => {
    const spec = join(l.release('r1'), '.handoff-start');
    chmodSync(spec, 0o644);
    const r = await exec.run(c.startJvm(l, 'r1', 'false', {}, { reuseRecorded: true }));
    const pid = Number(r.stdout.trim());
    started.push(pid);
    await execd(pid, 'sleep');
    expect(statSync(spec).mode & 0o777).toBe(0o600);
    expect(environ(pid).DB_PASSWORD).toBe(SECRET);
    await exec.run(c.stopJvm(pid, 5));
  });

  it('refuses to start without a spec rather than start with nothing', async () => {
    await exec.run(c.createRelease(l, 'r2'));
    const cmd = c.startJvm(l, 'r2', 'sleep 1', {});
    const r = await exec.put({ kind: cmd.kind, argv: cmd.argv }, Readable.from([]));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no start spec arrived on stdin/);
  });
});

describe('jvm.record: adopting an app started by hand', () => {
  it('a multi-line value arrives intact at restart and nothing in it runs', async () => {
    await exec.run(c.createRelease(l, 'hand'));
    // A stand-in whose argv has spaces, quotes and a `$@`: restarted, it must be the same argv.
    const argv = ['sh', '-c', 'sleep 311; : "$@"', 'adopted', 'two words', "it's"];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: l.release('hand'),
      env: { PATH: process.env.PATH, TLS_KEY: PEM, PLAIN: 'x y', HANDOFF_RELEASE: 'stale' },
      detached: true,
      stdio: 'ignore',
    });
    started.push(child.pid!);
    await execd(child.pid!, ...argv);
    const rec = await exec.run(c.recordStart(l, 'hand', child.pid!));
    expect(rec.stdout.trim(), rec.stderr).toBe('recorded');
    expect(statSync(join(l.release('hand'), '.handoff-start')).mode & 0o777).toBe(0o600);
    process.kill(-child.pid!, 'SIGKILL');

    const again = await exec.run(c.startJvm(l, 'hand', 'false', {}, { reuseRecorded: true }));
    expect(again.code, again.stderr).toBe(0);
    const pid = Number(again.stdout.trim());
    started.push(pid);
    await execd(pid, ...argv);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe(`${argv.join('\0')}\0`);
    const env = environ(pid);
    expect(env.TLS_KEY).toBe(PEM);
    expect(env.PLAIN).toBe('x y');
    expect(env.HANDOFF_RELEASE).toBe('hand');
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
    await exec.run(c.stopJvm(pid, 5));
  });
});

describe('release.fetch', () => {
  it('credentials in the url travel on stdin, never in the argv', () => {
    const cmd = c.fetchRelease(
      '/srv/app/releases/r1',
      'https://deploy:p%40ss-W0rd@git.example.com/app.git',
      'main',
    );
    expect(cmd.argv.join(' ')).not.toMatch(/p%40ss|p@ss|deploy/);
    expect(cmd.argv).toContain('https://git.example.com/app.git');
    expect(cmd.input?.data).toBe('deploy\np@ss-W0rd\n');
    expect(cmd.input?.shown).not.toContain('W0rd');
  });

  it('a url that looks like an option is a url to git, never an option', async () => {
    const host = mkdtempSync(join(tmpdir(), 'handoff-fetch-'));
    const marker = join(host, 'PWNED');
    writeFileSync(join(host, 'keep'), '');
    const upload = uploaderFor(
      { git: { url: `--upload-pack=touch ${marker}; false`, ref: 'main' } },
      new LocalExecutor(host),
    );
    await expect(upload(new LocalExecutor(host), host, new AbortController().signal)).rejects.toThrow(
      /release\.fetch failed/,
    );
    expect(existsSync(marker)).toBe(false);
  });
});
