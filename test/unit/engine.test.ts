// The real engine with recording executors and virtual time: order, rollback, locks, interrupts.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { baseConfig, edit } from '../helpers/config.ts';
import { kinds, runEngine } from '../helpers/engine.ts';

const steps = (r: Awaited<ReturnType<typeof runEngine>>, host: string) =>
  r.run.hosts.find((h) => h.name === host)!.outcome.steps.map((s) => s.name);
// A host as the engine sees it: release r1 running and healthy; POST /termination makes /health
// answer 502, a stopped JVM answers nothing, a started one answers 200. A new run starts fresh.
const health = new Map<string, string>();
const withPrevious = (host: string, cmd: { kind: string }) => {
  if (cmd.kind === 'lock.acquire' && host === 'a') health.clear();
  if (cmd.kind === 'drain.post') health.set(host, '502');
  if (cmd.kind === 'jvm.stop') health.set(host, '000');
  if (cmd.kind === 'jvm.start') health.set(host, '200');
  if (cmd.kind === 'health.probe') return { stdout: health.get(host) ?? '200' };
  return cmd.kind === 'state.read' ? { stdout: 'current=r1\npid=4242\nstate=alive\n' } : undefined;
};

describe('rolling deploy, stop-first', () => {
  it('deploys host by host, stopping the old JVM before the build', async () => {
    const r = await runEngine({ respond: withPrevious });
    expect(r.run.exitCode).toBe(0);
    expect(steps(r, 'a')).toEqual([
      'preflight',
      'upload',
      'drain',
      'wait',
      'stop',
      'build',
      'start',
      'health',
      'admit',
      'settle',
    ]);
    const a = kinds(r.log, 'a');
    expect(a.indexOf('jvm.stop')).toBeLessThan(a.indexOf('build.run'));
    expect(a.indexOf('drain.post')).toBeLessThan(a.indexOf('jvm.stop'));
    // h2 is only touched after h1 has settled
    const firstB = r.log.findIndex((e) => e.host === 'b' && e.kind === 'drain.post');
    const lastA = r.log.findLastIndex((e) => e.host === 'a' && e.kind === 'release.prune');
    expect(firstB).toBeGreaterThan(lastA);
    expect(kinds(r.log, 'a').filter((k) => k === 'lock.release')).toHaveLength(1);
  });

  it('waits the computed bound, then the healthy-threshold window (virtual time)', async () => {
    const r = await runEngine({ respond: withPrevious });
    const wait = r.run.hosts[0]!.outcome.steps.find((s) => s.name === 'wait')!;
    expect(Date.parse(wait.endedAt) - Date.parse(wait.startedAt)).toBe(17_100);
    expect(wait.detail).toMatch(/^drained after 17.1 s: the computed bound/);
  });

  it('build-first builds before draining', async () => {
    const r = await runEngine({
      config: edit(baseConfig(), 'strategy', 'build-first'),
      respond: withPrevious,
    });
    const a = kinds(r.log, 'a');
    expect(a.indexOf('build.run')).toBeLessThan(a.indexOf('drain.post'));
  });
});

describe('failures restore the old release', () => {
  it('a broken build on the first host: exit 1, previous release restarted, second host untouched', async () => {
    const r = await runEngine({
      respond: (host, cmd) =>
        host === 'a' && cmd.kind === 'build.run'
          ? { code: 1, stderr: 'BUILD FAILED' }
          : withPrevious(host, cmd),
    });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.result).toBe('rolled-back');
    expect(r.run.error).toMatch(/build.run failed on a \(exit 1\)[\s\S]*BUILD FAILED/);
    const restart = r.log.filter((e) => e.host === 'a' && e.kind === 'jvm.start');
    expect(restart).toHaveLength(1);
    expect(restart[0]!.command).toContain('/releases/r1');
    expect(kinds(r.log, 'b')).not.toContain('drain.post');
    expect(r.run.hosts[1]!.result).toBe('skipped');
    expect(kinds(r.log, 'b')).toContain('lock.release');
  });

  it('a new JVM that never becomes healthy is rolled back', async () => {
    let started = 0;
    const r = await runEngine({
      respond: (host, cmd) => {
        if (cmd.kind === 'jvm.start') started++;
        // the new JVM (first start) never answers; the restored old one (second start) does
        if (host === 'a' && cmd.kind === 'health.probe') return { stdout: started === 1 ? '000' : '200' };
        return withPrevious(host, cmd);
      },
    });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.error).toMatch(/\/health never passed on a: no 200 within 120 s; statuses seen: 000 ×\d+/);
    expect(steps(r, 'a')).toContain('undo:start');
    expect(r.log.filter((e) => e.host === 'a' && e.kind === 'release.switch').at(-1)!.command).toMatch(
      / r1$/,
    );
  });

  it('a rollback that cannot restore service exits 4', async () => {
    const r = await runEngine({
      respond: (host, cmd) => {
        if (host === 'a' && cmd.kind === 'build.run') return { code: 1 };
        if (host === 'a' && cmd.kind === 'health.probe') return { stdout: '000' };
        return withPrevious(host, cmd);
      },
    });
    expect(r.run.exitCode).toBe(4);
    expect(r.run.result).toBe('failed');
    expect(r.run.error).toMatch(/rollback failed: release r1 did not come back on a/);
  });

  it('an interrupt during the build restores the old release and releases the lock', async () => {
    const r = await runEngine({
      respond: withPrevious,
      abortWhen: (host, cmd) => host === 'a' && cmd.kind === 'build.run',
    });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.error).toMatch(/interrupted/);
    const a = kinds(r.log, 'a');
    expect(a).toContain('build.kill');
    expect(a.lastIndexOf('jvm.start')).toBeGreaterThan(a.indexOf('build.run'));
    expect(a.at(-1)).toBe('lock.release');
  });

  it('an interrupt right after the drain waits the drain out before restarting the old JVM', async () => {
    let drainedAt = 0;
    let stoppedAt = 0;
    const clock = new VirtualClock();
    const r = await runEngine({
      clock,
      respond: (host, cmd) => {
        if (host === 'a' && cmd.kind === 'drain.post') drainedAt = clock.now();
        if (host === 'a' && cmd.kind === 'jvm.stop') stoppedAt = clock.now();
        // after the POST the old JVM answers 502 on /health
        if (host === 'a' && cmd.kind === 'health.probe' && drainedAt && !stoppedAt) return { stdout: '502' };
        return withPrevious(host, cmd);
      },
      abortWhen: (host, cmd) => host === 'a' && cmd.kind === 'drain.post',
    });
    expect(r.run.exitCode).toBe(1);
    expect(stoppedAt - drainedAt).toBeGreaterThanOrEqual(17_100);
    expect(kinds(r.log, 'a').filter((k) => k === 'jvm.start')).toHaveLength(1);
  });

  it('an interrupt after the new JVM is healthy lets the host finish on the new release', async () => {
    let startedNew = false;
    const r = await runEngine({
      respond: withPrevious,
      abortWhen: (host, cmd) => {
        if (host === 'a' && cmd.kind === 'jvm.start') startedNew = true;
        return startedNew && host === 'a' && cmd.kind === 'health.probe';
      },
    });
    expect(r.run.hosts[0]!.result).toBe('deployed');
    expect(r.run.hosts[1]!.result).toBe('skipped');
    expect(r.run.exitCode).toBe(1);
    expect(r.run.error).toMatch(/interrupted: b not deployed/);
  });
});

describe('preflight and locks', () => {
  it('a held lock exits 3 naming its owner, and gives back the locks it took', async () => {
    const owner = {
      token: 'x',
      owner: 'alice@laptop',
      pid: 99999,
      machine: 'elsewhere',
      startedAt: new Date().toISOString(),
    };
    await expect(
      runEngine({
        respond: (host, cmd) =>
          host === 'b' && cmd.kind === 'lock.acquire'
            ? { stdout: `held\n${JSON.stringify(owner)}` }
            : undefined,
      }),
    ).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/another deploy holds the lock on b: alice@laptop \(pid 99999\)/),
    });
  });

  describe('waiting for the lock (lock.waitSeconds, --wait-lock)', () => {
    const live = (startedAt: string) => ({
      token: 'x',
      owner: 'alice@laptop',
      pid: 99999,
      machine: 'elsewhere',
      startedAt,
    });
    /** b's lock is held for the first `times` attempts, then free. */
    const heldFor = (times: number, startedAt = new Date(Date.UTC(2026, 0, 1)).toISOString()) => {
      let attempts = 0;
      return (host: string, cmd: Cmd) => {
        if (host !== 'b' || cmd.kind !== 'lock.acquire') return withPrevious(host, cmd);
        attempts++;
        return attempts <= times ? { stdout: `held\n${JSON.stringify(live(startedAt))}` } : undefined;
      };
    };
    const waiting = (seconds: number) => edit(baseConfig(), 'lock', { waitSeconds: seconds });

    it('queues behind a live deploy, polling every 5 s, then deploys; holds no lock while waiting', async () => {
      const clock = new VirtualClock();
      const r = await runEngine({ config: waiting(60), respond: heldFor(3), clock });
      expect(r.run.exitCode).toBe(0);
      expect(clock.sleeps.slice(0, 3)).toEqual([5000, 5000, 5000]);
      const a = kinds(r.log, 'a');
      // a's lock is given back after each refused attempt, so the other deploy is never blocked by us
      expect(a.slice(0, 8)).toEqual([
        'lock.acquire',
        'lock.release',
        'lock.acquire',
        'lock.release',
        'lock.acquire',
        'lock.release',
        'lock.acquire',
        'mark',
      ]);
      const notes = r.events.filter((e) => e.kind === 'log').map((e) => (e as { message: string }).message);
      expect(
        notes.filter((m) => m.startsWith('waiting up to 60 s: another deploy holds the lock on b')),
      ).toHaveLength(1);
    });

    it('gives up after the wait: exit 3, and says how long it waited', async () => {
      const clock = new VirtualClock();
      await expect(runEngine({ config: waiting(12), respond: heldFor(99), clock })).rejects.toMatchObject({
        exitCode: 3,
        message: expect.stringMatching(
          /another deploy holds the lock on b: .*\(gave up after waiting 12 s\)$/,
        ),
      });
      expect(clock.sleeps.slice(0, 3)).toEqual([5000, 5000, 2000]);
    });

    it('never waits for a stale lock: nobody will release it', async () => {
      const clock = new VirtualClock();
      const old = new Date(Date.UTC(2025, 11, 31)).toISOString(); // a day before the clock's start
      await expect(
        runEngine({ config: waiting(600), respond: heldFor(99, old), clock }),
      ).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/looks stale/) });
      expect(clock.sleeps).toEqual([]);
    });
  });

  it('a single target is refused before anything is drained, unless --allow-downtime', async () => {
    const single = edit(baseConfig(), 'hosts', [{ name: 'a', host: '10.0.0.1' }]);
    const refused = await runEngine({ config: single, respond: withPrevious });
    expect(refused.run.exitCode).toBe(2);
    expect(refused.run.error).toMatch(/a is the only target: draining it is downtime.*--allow-downtime/);
    expect(kinds(refused.log, 'a')).not.toContain('drain.post');
    const allowed = await runEngine({ config: single, respond: withPrevious, allowDowntime: true });
    expect(allowed.run.exitCode).toBe(0);
  });

  it('refuses when no other host is healthy', async () => {
    const r = await runEngine({
      respond: (host, cmd) =>
        host === 'b' && cmd.kind === 'health.probe' ? { stdout: '502' } : withPrevious(host, cmd),
    });
    expect(r.run.exitCode).toBe(2);
    expect(r.run.error).toMatch(/no other host answers \/health with 200/);
  });
});
