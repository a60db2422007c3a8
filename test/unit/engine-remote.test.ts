// The remote scripts behind the engine's failure paths, run for real through the local executor in
// a temp dir (the same text the SSH executor sends), with real stand-in processes and sockets.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../src/executors/local.ts';
import * as c from '../../src/remote/commands.ts';
import { layout } from '../../src/remote/layout.ts';
import { acquireLock, parseLockRead, readLock } from '../../src/remote/lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'handoff-faults-'));
const l = layout(dir);
const exec = new LocalExecutor(dir);
const children: ChildProcess[] = [];
const servers: Server[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const s of servers) s.close();
});

function stray(env: Record<string, string> = {}, cwd = dir, args = ['sleep', '300']): ChildProcess {
  const child = spawn(args[0]!, args.slice(1), {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    detached: true,
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

async function listen(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Whether the child has exited within `ms` (its exit may already have been seen). */
function exited(child: ChildProcess, ms = 3000): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return Promise.race([
    new Promise<boolean>((resolve) => child.once('exit', () => resolve(true))),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);
}

const find = async (port: number) => (await exec.run(c.findJvm(l, port))).stdout.trim().split('\n');

describe('jvm.find never trusts a PID file alone (issue 12, item 3)', () => {
  it('a PID file naming an unrelated process (a reboot reused the PID): the app on the port is found', async () => {
    await exec.run(c.prepare(l));
    const unrelated = stray();
    writeFileSync(l.pidFile, `${unrelated.pid}\n`);
    const port = await listen();
    const [found, stale] = await find(port);
    expect(found).toBe(`port ${process.pid}`);
    expect(stale).toBe(`stale ${unrelated.pid} sleep`);
  });

  it('nothing on the port either: none, and the stale PID is named, never returned', async () => {
    const unrelated = stray();
    writeFileSync(l.pidFile, `${unrelated.pid}\n`);
    expect(await find(1)).toEqual(['none', `stale ${unrelated.pid} sleep`]);
  });

  it('a value that contains the key after a newline does not make a process ours', async () => {
    const forged = stray({ NOTE: 'x\nHANDOFF_RELEASE=r1' });
    writeFileSync(l.pidFile, `${forged.pid}\n`);
    expect((await find(1))[0]).toBe('none');
  });

  it('the PID file of a JVM jvm.start started (HANDOFF_RELEASE), still booting, is trusted', async () => {
    const booting = stray({ HANDOFF_RELEASE: 'r1' });
    writeFileSync(l.pidFile, `${booting.pid}\n`);
    expect(await find(1)).toEqual([`pidfile ${booting.pid}`]);
  });

  it('the PID file of the process that listens on the port is trusted', async () => {
    writeFileSync(l.pidFile, `${process.pid}\n`);
    expect(await find(await listen())).toEqual([`pidfile ${process.pid}`]);
  });
});

describe('jvm.started: the JVM a start whose answer was lost left running (item 5)', () => {
  it('names the PID file process only if it was started for that release', async () => {
    const started = stray({ HANDOFF_RELEASE: 'r2' });
    writeFileSync(l.pidFile, `${started.pid}\n`);
    expect((await exec.run(c.findStarted(l, 'r2'))).stdout.trim()).toBe(String(started.pid));
    expect((await exec.run(c.findStarted(l, 'r'))).stdout.trim()).toBe('');
    expect((await exec.run(c.findStarted(l, 'r3'))).stdout.trim()).toBe('');
  });
});

describe('the lock says what went wrong (item 8)', () => {
  const owner = {
    token: 't',
    owner: 'me@box',
    pid: 1,
    machine: 'box',
    startedAt: '2026-01-01T00:00:00Z',
  };
  it('a lock directory that cannot be created is an error with its cause, not "held"', async () => {
    const broken = layout(join(dir, 'broken'));
    mkdirSync(broken.dir, { recursive: true });
    writeFileSync(broken.meta, 'a file where the directory should be');
    const r = await exec.run(acquireLock(broken, owner));
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toMatch(/held/);
    expect(r.stderr).toMatch(/File exists|Not a directory/);
  });

  it('a lock without an owner file reads as locked (so unlock can remove it), no lock as free', async () => {
    const bare = layout(join(dir, 'bare'));
    expect(parseLockRead((await exec.run(readLock(bare))).stdout)).toEqual({
      locked: false,
      owner: undefined,
    });
    mkdirSync(bare.lock, { recursive: true });
    expect(parseLockRead((await exec.run(readLock(bare))).stdout)).toEqual({
      locked: true,
      owner: undefined,
    });
  });
});

describe('marks are reset under our lock, and a dead deploy build is stopped (SIGKILL row)', () => {
  it('kills the recorded build group whose leader works in a release, and only that', async () => {
    await exec.run(c.createRelease(l, 'r9'));
    const build = stray({}, l.release('r9'));
    writeFileSync(join(l.marks, 'build.pgid'), `${build.pid}\n`);
    const r = await exec.run(c.resetMarks(l, 'queued'));
    expect(r.stdout).toMatch(new RegExp(`stopped the build \\(process group ${build.pid}\\)`));
    expect(await exited(build)).toBe(true);
    expect(existsSync(join(l.marks, 'build.pgid'))).toBe(false);

    const elsewhere = stray({}, tmpdir());
    writeFileSync(join(l.marks, 'build.pgid'), `${elsewhere.pid}\n`);
    expect((await exec.run(c.resetMarks(l, 'queued'))).stdout).toBe('');
    expect(await exited(elsewhere, 300)).toBe(false);
  });
});

describe('build.kill (the build undo) stops the whole build group', () => {
  it('with the POSIX form dash accepts (`kill -TERM -- -PGID` is "Illegal number" there)', async () => {
    await exec.run(c.prepare(l));
    await exec.run(c.createRelease(l, 'r8'));
    const build = stray({}, l.release('r8'), ['sh', '-c', 'sleep 300 & sleep 300; wait']);
    writeFileSync(join(l.marks, 'build.pgid'), `${build.pid}\n`);
    await exec.run(c.killBuild(l));
    expect(await exited(build)).toBe(true);
  });
});
