// The remote scripts run for real here, through the local executor, in a temp dir: the same text
// the SSH executor sends. Processes are real (sleep, a shell that ignores SIGTERM).
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../src/executors/local.ts';
import * as c from '../../src/remote/commands.ts';
import { layout } from '../../src/remote/layout.ts';
import { acquireLock, releaseLock } from '../../src/remote/lock.ts';
import { quote, shellJoin } from '../../src/remote/shell.ts';

const dir = mkdtempSync(join(tmpdir(), 'handoff-cmd-'));
const l = layout(dir);
const exec = new LocalExecutor(dir);
const started: number[] = [];
afterAll(() => {
  for (const pid of started)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
});

// The PID is known before the detached child has exec'ed its command: wait until it has.
async function execd(pid: number, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(`${name}\0`)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`pid ${pid} never became ${name}`);
}

describe('quoting', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(shellJoin(['a', 'b c', "it's", '$HOME', ''])).toBe(`a 'b c' 'it'\\''s' '$HOME' ''`);
    expect(quote('/srv/app-1/releases')).toBe('/srv/app-1/releases');
  });
  it('a hostile value reaches the script as one argument', async () => {
    const r = await exec.run(c.mark({ ...l, marks: dir } as never, 'step', '$(touch pwned); `id`'));
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'step'), 'utf8')).toBe('$(touch pwned); `id`\n');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });
});

describe('releases', () => {
  it('switches current atomically and reports the previous release', async () => {
    await exec.run(c.prepare(l));
    for (const id of ['r1', 'r2']) await exec.run(c.createRelease(l, id));
    expect((await exec.run(c.switchCurrent(l, 'r1'))).stdout.trim()).toBe('');
    expect((await exec.run(c.switchCurrent(l, 'r2'))).stdout.trim()).toBe('r1');
    expect(readlinkSync(l.current)).toBe('releases/r2');
  });
  it('prunes the oldest but never a protected release', async () => {
    for (const id of ['r3', 'r4', 'r5']) await exec.run(c.createRelease(l, id));
    const r = await exec.run(c.pruneReleases(l, 2, ['r1']));
    expect(r.stdout.trim().split('\n').sort()).toEqual(['r2', 'r3']);
    expect(readdirSync(l.releases).sort()).toEqual(['r1', 'r4', 'r5']);
  });
});

describe('JVM lifecycle (with stand-in processes)', () => {
  it('starts detached with a PID file, finds it, and stops it with SIGTERM', async () => {
    await exec.run(c.createRelease(l, 'app'));
    const r = await exec.run(c.startJvm(l, 'app', 'sleep 300', { GREETING: 'hi there' }));
    const pid = Number(r.stdout.trim());
    started.push(pid);
    await execd(pid, 'sleep');
    expect(readFileSync(l.pidFile, 'utf8').trim()).toBe(String(pid));
    expect((await exec.run(c.findJvm(l, 1))).stdout.trim()).toBe(`pidfile ${pid}`);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).toContain('GREETING=hi there');
    const stop = await exec.run(c.stopJvm(pid, 5));
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/stopped by SIGTERM after/);
    expect((await exec.run(c.jvmAlive(pid))).stdout.trim()).toBe('dead');
  });
  it('records how a release was started, and a restart reuses it', async () => {
    const first = await exec.run(c.startJvm(l, 'app', 'sleep 301', { MODE: 'good' }));
    const pid1 = Number(first.stdout.trim());
    started.push(pid1);
    await exec.run(c.stopJvm(pid1, 5));
    const again = await exec.run(
      c.startJvm(l, 'app', 'sleep 302', { MODE: 'broken' }, { reuseRecorded: true }),
    );
    const pid2 = Number(again.stdout.trim());
    started.push(pid2);
    await execd(pid2, 'sleep');
    expect(readFileSync(`/proc/${pid2}/cmdline`, 'utf8')).toContain('301');
    expect(readFileSync(`/proc/${pid2}/environ`, 'utf8')).toContain('MODE=good');
    await exec.run(c.stopJvm(pid2, 5));
  });
  it('adopts a process started by hand: records its argv, cwd and env for a later restart', async () => {
    await exec.run(c.createRelease(l, 'hand'));
    const { spawn } = await import('node:child_process');
    const child = spawn('sh', ['-c', "exec sleep 303 # it's mine"], {
      cwd: join(dir, 'releases/hand'),
      env: { ...process.env, WHO: "o'brien x" },
      detached: true,
      stdio: 'ignore',
    });
    started.push(child.pid!);
    await execd(child.pid!, 'sleep');
    expect((await exec.run(c.recordStart(l, 'hand', child.pid!))).stdout.trim()).toBe('recorded');
    expect((await exec.run(c.recordStart(l, 'hand', child.pid!))).stdout.trim()).toBe('kept');
    process.kill(child.pid!, 'SIGKILL');
    const again = await exec.run(c.startJvm(l, 'hand', 'false', {}, { reuseRecorded: true }));
    const pid = Number(again.stdout.trim());
    started.push(pid);
    await execd(pid, 'sleep');
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u0000303\u0000');
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).toContain("WHO=o'brien x\u0000");
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(join(dir, 'releases/hand'));
    await exec.run(c.stopJvm(pid, 5));
  });
  it('kills with SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const r = await exec.run(c.startJvm(l, 'app', `sh -c 'trap "" TERM; while :; do sleep 1; done'`, {}));
    const pid = Number(r.stdout.trim());
    started.push(pid);
    // SIGTERM only once the trap is set: before its exec the start's own shell would die of it.
    for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('trap'); i++)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const stop = await exec.run(c.stopJvm(pid, 1));
    expect(stop.stdout).toMatch(/killed after 1s grace/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect((await exec.run(c.jvmAlive(pid))).stdout.trim()).toBe('dead');
  });
  it('reports an already-gone process as stopped', async () => {
    expect((await exec.run(c.stopJvm(2 ** 22 - 7, 1))).stdout.trim()).toBe('already gone');
  });
});

describe('the build runs in its own process group and reports failure', () => {
  it('exit code and log tail on failure', async () => {
    await exec.run(c.createRelease(l, 'b1'));
    const r = await exec.run(
      c.runBuild(l, 'b1', 'echo compiling; echo "error: cannot find symbol" >&2; exit 3'),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: cannot find symbol');
    expect(existsSync(join(l.marks, 'build.pgid'))).toBe(false);
  });
});

describe('the lock', () => {
  const owner = (token: string) => ({
    token,
    owner: 'me@box',
    pid: 1,
    machine: 'box',
    startedAt: '2026-01-01T00:00:00Z',
  });
  it('is exclusive, names its owner, and only its owner releases it', async () => {
    expect((await exec.run(acquireLock(l, owner('t1')))).stdout.trim()).toBe('acquired');
    const second = (await exec.run(acquireLock(l, owner('t2')))).stdout.trim().split('\n');
    expect(second[0]).toBe('held');
    expect(JSON.parse(second[1]!).token).toBe('t1');
    expect((await exec.run(releaseLock(l, 't2'))).stdout.trim()).toBe('');
    expect((await exec.run(releaseLock(l, 't1'))).stdout.trim()).toBe('released');
    expect((await exec.run(acquireLock(l, owner('t2')))).stdout.trim()).toBe('acquired');
  });
});
