// Failure paths of the real engine (recording executors, virtual time): every failure ends with
// the old release serving or an exit code that says otherwise, whatever breaks on the way.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { baseConfig, edit } from '../helpers/config.ts';
import { kinds, runEngine } from '../helpers/engine.ts';

/**
 * A host as the engine sees it: release r1 runs as pid 4242 and answers /health 200. POST
 * /termination makes it answer 502, a stopped JVM answers nothing, a started one gets the next
 * pid and answers `newHealth` (200 unless told otherwise).
 */
function fakeHosts(opts: { newHealth?: (host: string, pid: number) => string } = {}) {
  const hosts = new Map<string, { health: string; alive: Set<number>; serving?: number }>();
  let nextPid = 4343;
  const get = (host: string) => {
    const h = hosts.get(host) ?? { health: '200', alive: new Set([4242]), serving: 4242 };
    hosts.set(host, h);
    return h;
  };
  const pidArg = (cmd: Cmd) => Number(cmd.argv[4]);
  return (host: string, cmd: Cmd) => {
    const h = get(host);
    switch (cmd.kind) {
      case 'state.read':
        return { stdout: 'current=r1\npid=4242\nstate=alive\n' };
      case 'drain.post':
        h.health = '502';
        return { stdout: '200' };
      case 'jvm.stop': {
        const pid = pidArg(cmd);
        h.alive.delete(pid);
        if (pid === h.serving) h.health = '000';
        return { stdout: 'stopped by SIGTERM after 0.3s\n' };
      }
      case 'jvm.start': {
        const pid = nextPid++;
        h.alive.add(pid);
        h.serving = pid;
        h.health = opts.newHealth?.(host, pid) ?? '200';
        return { stdout: `${pid}\n` };
      }
      case 'jvm.alive':
        return { stdout: h.alive.has(pidArg(cmd)) ? 'alive\n' : 'dead\n' };
      case 'health.probe':
        return { stdout: h.health };
      default:
        return undefined;
    }
  };
}

const commands = (r: Awaited<ReturnType<typeof runEngine>>, host: string) =>
  r.log.filter((e) => e.host === host);
const stepNames = (r: Awaited<ReturnType<typeof runEngine>>, host: string) =>
  r.run.hosts.find((h) => h.name === host)!.outcome.steps.map((s) => `${s.name}${s.ok ? '' : ' FAILED'}`);
const lost = () => {
  throw new UsageError('cannot reach a (ec2-user@10.0.0.1:22): connect ECONNREFUSED (3 attempts)');
};

describe('bookkeeping never decides a deploy (issue 12, item 2)', () => {
  it('a step mark that cannot reach the host after the old JVM was stopped: undo runs, exit 1', async () => {
    const host = fakeHosts();
    let stopped = false;
    let failures = 0;
    const r = await runEngine({
      respond: (name, cmd) => {
        if (name === 'a' && cmd.kind === 'jvm.stop') stopped = true;
        // the host is unreachable for the build step's mark and its build, then back for the undo
        if (name === 'a' && stopped && failures < 2 && (cmd.kind === 'mark' || cmd.kind === 'build.run')) {
          failures++;
          lost();
        }
        return host(name, cmd);
      },
    });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.hosts[0]!.result).toBe('rolled-back');
    expect(stepNames(r, 'a')).toContain('build FAILED');
    const starts = commands(r, 'a').filter((e) => e.kind === 'jvm.start');
    expect(starts.at(-1)!.command).toContain('/releases/r1');
  });

  it('a step mark that fails once is only bookkeeping: the deploy goes on, exit 0', async () => {
    const host = fakeHosts();
    let stopped = false;
    let failed = false;
    const r = await runEngine({
      respond: (name, cmd) => {
        if (name === 'a' && cmd.kind === 'jvm.stop') stopped = true;
        if (name === 'a' && stopped && !failed && cmd.kind === 'mark') {
          failed = true;
          lost();
        }
        return host(name, cmd);
      },
    });
    expect(failed).toBe(true);
    expect(r.run.exitCode).toBe(0);
  });

  it('a new.pid mark that fails does not roll back a healthy deploy', async () => {
    const host = fakeHosts();
    const r = await runEngine({
      respond: (name, cmd) => {
        if (cmd.kind === 'mark' && cmd.argv.some((a) => a.endsWith('/new.pid'))) lost();
        return host(name, cmd);
      },
    });
    expect(r.run.exitCode).toBe(0);
  });
});

describe('an interrupt never orphans what it cut short (item 5)', () => {
  it('SIGINT while jvm.start runs: the new JVM is recorded and stopped before the old release restarts', async () => {
    const r = await runEngine({
      respond: fakeHosts(),
      sshLike: true,
      abortWhen: (name, cmd) => name === 'a' && cmd.kind === 'jvm.start',
    });
    expect(r.run.exitCode).toBe(1);
    const a = commands(r, 'a');
    const stopNew = a.findIndex((e) => e.kind === 'jvm.stop' && / 4343 /.test(`${e.command} `));
    const restart = a.findIndex((e) => e.kind === 'jvm.start' && e.command.includes('/releases/r1'));
    const remove = a.findIndex((e) => e.kind === 'release.remove');
    expect(stopNew).toBeGreaterThan(-1);
    expect(restart).toBeGreaterThan(stopNew);
    expect(remove).toBeGreaterThan(stopNew);
    expect(a.filter((e) => e.kind === 'release.switch').at(-1)!.command).toMatch(/ r1$/);
  });

  it('SIGINT while release.switch runs: current points back at the old release', async () => {
    const r = await runEngine({
      respond: fakeHosts(),
      sshLike: true,
      abortWhen: (name, cmd) => name === 'a' && cmd.kind === 'release.switch',
    });
    expect(r.run.exitCode).toBe(1);
    const a = commands(r, 'a');
    const switches = a.filter((e) => e.kind === 'release.switch');
    expect(switches.at(-1)!.command).toMatch(/ r1$/);
    const lastSwitch = a.lastIndexOf(switches.at(-1)!);
    expect(a.findIndex((e) => e.kind === 'release.remove')).toBeGreaterThan(lastSwitch);
  });

  it('jvm.start cut by a lost connection: the JVM it started is found by its release and stopped', async () => {
    const host = fakeHosts();
    const r = await runEngine({
      respond: (name, cmd) => {
        const answer = host(name, cmd);
        if (name === 'a' && cmd.kind === 'jvm.start' && cmd.argv.some((x) => x.endsWith('/releases/r2')))
          return { code: 255, stderr: 'the SSH connection to a was lost\n', connectionLost: true };
        if (name === 'a' && cmd.kind === 'jvm.started') return { stdout: '4343\n' };
        return answer;
      },
    });
    expect(r.run.exitCode).toBe(1);
    const a = commands(r, 'a');
    const stopNew = a.findIndex((e) => e.kind === 'jvm.stop' && / 4343 /.test(`${e.command} `));
    expect(stopNew).toBeGreaterThan(-1);
    expect(a.findIndex((e) => e.kind === 'jvm.start' && e.command.includes('/releases/r1'))).toBeGreaterThan(
      stopNew,
    );
  });
});

describe('undo keeps going (item 6)', () => {
  it('a failed reconnect in start.undo does not skip the restore: the old release serves, exit 1', async () => {
    const host = fakeHosts({ newHealth: (_h, pid) => (pid === 4343 ? '000' : '200') });
    let failed = false;
    const r = await runEngine({
      respond: (name, cmd) => {
        if (name === 'a' && cmd.kind === 'jvm.stop' && cmd.argv[4] === '4343' && !failed) {
          failed = true;
          lost();
        }
        return host(name, cmd);
      },
    });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.result).toBe('rolled-back');
    expect(stepNames(r, 'a')).toContain('undo:start FAILED');
    expect(r.run.error).toMatch(/undo:start failed: cannot reach a/);
    const a = commands(r, 'a');
    // the restore stops the new JVM the failed undo left running, then starts the old release
    const stops = a.filter((e) => e.kind === 'jvm.stop' && / 4343 /.test(`${e.command} `));
    expect(stops).toHaveLength(2);
    const restart = a.findIndex((e) => e.kind === 'jvm.start' && e.command.includes('/releases/r1'));
    expect(restart).toBeGreaterThan(a.lastIndexOf(stops[1]!));
  });

  it('an undo step failing after service was restored is reported, exit 1 (not 4)', async () => {
    const host = fakeHosts();
    const r = await runEngine({
      respond: (name, cmd) => {
        if (name === 'a' && cmd.kind === 'build.run') return { code: 1, stderr: 'BUILD FAILED' };
        if (name === 'a' && cmd.kind === 'release.remove')
          return { code: 1, stderr: 'rm: Read-only file system' };
        return host(name, cmd);
      },
    });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.result).toBe('rolled-back');
    expect(stepNames(r, 'a')).toContain('undo:upload FAILED');
    expect(r.run.error).toMatch(/undo:upload failed/);
  });

  it('exit 4 when the restore itself fails', async () => {
    const host = fakeHosts({ newHealth: () => '000' });
    const r = await runEngine({
      respond: (name, cmd) => (name === 'a' && cmd.kind === 'build.run' ? { code: 1 } : host(name, cmd)),
    });
    expect(r.run.exitCode).toBe(4);
    expect(r.run.result).toBe('failed');
  });
});

describe('the undo of each step is exercised (mutation survivors)', () => {
  it('a failed build removes the uploaded release (upload.undo)', async () => {
    const host = fakeHosts();
    const r = await runEngine({
      respond: (name, cmd) =>
        name === 'a' && cmd.kind === 'build.run' ? { code: 1, stderr: 'BUILD FAILED' } : host(name, cmd),
    });
    expect(r.run.exitCode).toBe(1);
    const removes = commands(r, 'a').filter((e) => e.kind === 'release.remove');
    expect(removes).toHaveLength(1);
    expect(removes[0]!.command).toMatch(/\/srv\/demo\/releases\/r2$/);
  });

  it('POST /termination answering 500 fails the drain: nothing is stopped, exit 1', async () => {
    const host = fakeHosts();
    const r = await runEngine({
      respond: (name, cmd) =>
        name === 'a' && cmd.kind === 'drain.post' ? { stdout: '500' } : host(name, cmd),
    });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.error).toMatch(/POST \/termination answered 500/);
    expect(kinds(r.log, 'a')).not.toContain('jvm.stop');
    expect(kinds(r.log, 'a')).not.toContain('build.run');
  });
});

describe('a host left down by an earlier deploy (no old JVM)', () => {
  it('nothing answers /termination: there is nothing to drain, and the deploy restores service', async () => {
    const host = fakeHosts();
    const r = await runEngine({
      respond: (name, cmd) => {
        if (name === 'a' && cmd.kind === 'jvm.find') return { stdout: 'none\n' };
        if (name === 'a' && cmd.kind === 'drain.post') return { stdout: '000' };
        return host(name, cmd);
      },
    });
    expect(r.run.exitCode).toBe(0);
    const drain = r.run.hosts[0]!.outcome.steps.find((s) => s.name === 'drain')!;
    expect(drain.detail).toMatch(/no old JVM/);
  });
});

describe('settle (new JVM dies after healthy)', () => {
  it('a new JVM that dies before the host settles is rolled back, exit 1', async () => {
    const host = fakeHosts();
    let settling = false;
    const r2 = await runEngine({
      respond: (name, cmd) => {
        const answer = host(name, cmd);
        if (name === 'a' && cmd.kind === 'mark' && cmd.argv.includes('settle')) settling = true;
        if (name === 'a' && settling && cmd.kind === 'jvm.start') settling = false; // the restore
        if (name === 'a' && settling && cmd.kind === 'health.probe') return { stdout: '000' };
        if (name === 'a' && settling && cmd.kind === 'jvm.alive' && cmd.argv[4] !== '4242')
          return { stdout: 'dead\n' };
        return answer;
      },
    });
    expect(r2.run.exitCode).toBe(1);
    expect(stepNames(r2, 'a')).toContain('settle FAILED');
    const starts = commands(r2, 'a').filter((e) => e.kind === 'jvm.start');
    expect(starts.at(-1)!.command).toContain('/releases/r1');
  });
});

describe('settle (the new JVM serves)', () => {
  it('a settle that fails once the new JVM serves: flipped and drained before it is stopped (no hooks)', async () => {
    const host = fakeHosts();
    let settling = false;
    let dropped = false;
    const r = await runEngine({
      respond: (name, cmd) => {
        const answer = host(name, cmd);
        if (name === 'a' && cmd.kind === 'mark' && cmd.argv.includes('settle')) settling = true;
        // The settle's own probe loses its answer (a dropped connection); the JVM still serves.
        if (name === 'a' && settling && !dropped && cmd.kind === 'health.probe') {
          dropped = true;
          return { code: 255, stdout: '' };
        }
        return answer;
      },
    });
    expect(r.run.exitCode).toBe(1);
    expect(stepNames(r, 'a')).toContain('settle FAILED');
    const onA = commands(r, 'a');
    const posts = onA.flatMap((e, i) => (e.kind === 'drain.post' ? [i] : []));
    expect(posts).toHaveLength(2); // the old JVM's drain, then the new one's withdrawal
    const stopNew = onA.findIndex((e) => e.kind === 'jvm.stop' && e.command.includes('4343'));
    expect(stopNew).toBeGreaterThan(posts[1]!);
    expect(onA.slice(posts[1]!, stopNew).some((e) => e.kind === 'traffic.sample')).toBe(true);
    expect(r.run.hosts[0]!.outcome.steps.map((s) => s.name)).toContain('undo:health');
  });
});

describe('locks (item 8)', () => {
  it('an error taking the lock on the second host gives back the first', async () => {
    const log: string[] = [];
    await expect(
      runEngine({
        respond: (name, cmd) => {
          log.push(`${name} ${cmd.kind}`);
          if (name === 'b' && cmd.kind === 'lock.acquire') lost();
          return undefined;
        },
      }),
    ).rejects.toThrow(/cannot reach a/);
    expect(log).toContain('a lock.release');
  });

  it('a lock that cannot be created is an error naming the cause, not "held" (exit 2)', async () => {
    await expect(
      runEngine({
        respond: (name, cmd) =>
          name === 'b' && cmd.kind === 'lock.acquire'
            ? {
                code: 1,
                stderr: "mkdir: cannot create directory '/srv/demo/.handoff/lock': Permission denied\n",
              }
            : undefined,
      }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/cannot take the deploy lock on b .*Permission denied/),
    });
  });
});

describe('--hosts: the last-healthy guard asks every configured host (item 18)', () => {
  it('deploying a alone with b healthy is allowed; b is probed, never drained or locked', async () => {
    const r = await runEngine({ respond: fakeHosts(), select: ['a'] });
    expect(r.run.exitCode).toBe(0);
    expect(kinds(r.log, 'b')).toEqual(['health.probe']);
  });

  it('deploying a alone with b unhealthy is refused, exit 2', async () => {
    const host = fakeHosts();
    const r = await runEngine({
      respond: (name, cmd) =>
        name === 'b' && cmd.kind === 'health.probe' ? { stdout: '502' } : host(name, cmd),
      select: ['a'],
    });
    expect(r.run.exitCode).toBe(2);
    expect(r.run.error).toMatch(/no other host answers \/health with 200/);
  });

  it('with every host selected nothing changes: a single target is still refused', async () => {
    const single = edit(baseConfig(), 'hosts', [{ name: 'a', host: '10.0.0.1' }]);
    const r = await runEngine({ config: single, respond: fakeHosts(), select: ['a'] });
    expect(r.run.exitCode).toBe(2);
    expect(r.run.error).toMatch(/a is the only target/);
  });
});

describe('first deploy onto an app started by hand (item 4)', () => {
  const handStarted = (record: string) => {
    const host = fakeHosts();
    return (name: string, cmd: Cmd) => {
      if (cmd.kind === 'state.read') return { stdout: 'current=\npid=\nstate=dead\n' };
      if (cmd.kind === 'jvm.find') return { stdout: 'port 4242\n' };
      if (cmd.kind === 'jvm.record') return { stdout: record };
      return host(name, cmd);
    };
  };

  it('is adopted into a release a restore can start: a failed build brings it back, exit 1', async () => {
    const respond = handStarted('recorded\n');
    const r = await runEngine({
      respond: (name, cmd) => (name === 'a' && cmd.kind === 'build.run' ? { code: 1 } : respond(name, cmd)),
    });
    expect(r.run.exitCode).toBe(1);
    const a = commands(r, 'a');
    expect(a.find((e) => e.kind === 'jvm.record')!.command).toMatch(/\/releases\/r2-adopted 4242$/);
    expect(a.filter((e) => e.kind === 'jvm.start').at(-1)!.command).toContain('/releases/r2-adopted');
    expect(r.run.hosts[0]!.release.from).toBe('r2-adopted');
    expect(r.run.hosts[0]!.outcome.steps[0]!.detail).toMatch(/adopted: started by hand/);
  });

  it('whose command line cannot be read is refused before anything changes (exit 2)', async () => {
    const r = await runEngine({ respond: handStarted('none\n') });
    expect(r.run.exitCode).toBe(2);
    expect(r.run.error).toMatch(/started by hand .*could not be read/);
    expect(kinds(r.log, 'a')).not.toContain('drain.post');
    expect(kinds(r.log, 'a')).toContain('release.remove');
  });
});
