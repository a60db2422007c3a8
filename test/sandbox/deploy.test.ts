// Issue 4 acceptance, against real parts: two sshd hosts in 1 GiB cgroups, real JVMs, HAProxy
// checking them like a target group, steady load through it; every failed request counts.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import {
  brokenSource,
  events,
  hostView,
  pidAlive,
  sandboxConfig,
  startCli,
  underLoad,
  waitForEvent,
} from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

type Report = {
  result: string;
  hosts: {
    name: string;
    result: string;
    oldPid: number | null;
    newPid: number | null;
    release: { from: string | null; to: string };
    steps: { name: string; startedAt: string; endedAt: string; ok: boolean }[];
  }[];
};
const readReport = (dir: string) => JSON.parse(readFileSync(`${dir}/report/report.json`, 'utf8')) as Report;

sandboxDescribe('deploy run in the sandbox (termination mode)', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });
  const ip = (i: number) => state.hosts[i]!.ip;

  it('a two-host stop-first deploy: 0 failed requests, both hosts on the new release, old JVM gone before the build', async () => {
    const { dir } = sandboxConfig(state);
    const before = [await hostView(ip(0)), await hostView(ip(1))];
    const { value: run, failed, total } = await underLoad(() => startCli(['run'], dir).done);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(total).toBeGreaterThan(500);
    expect(failed).toBe(0);
    const report = readReport(dir);
    expect(report.result).toBe('deployed');
    for (const [i, h] of report.hosts.entries()) {
      const view = await hostView(ip(i));
      expect(view.current).toBe(h.release.to);
      expect(view.health).toBe('200');
      expect(h.oldPid).toBe(Number(before[i]!.pid) || h.oldPid);
      expect(await pidAlive(ip(i), h.oldPid!)).toBe(false);
      const stop = h.steps.find((s) => s.name === 'stop')!;
      const build = h.steps.find((s) => s.name === 'build')!;
      expect(Date.parse(stop.endedAt)).toBeLessThanOrEqual(Date.parse(build.startedAt));
    }
  });

  it('status and history show the deploy; rollback goes back to the previous release under load', async () => {
    const { dir } = sandboxConfig(state);
    const status = JSON.parse((await startCli(['status', '--json'], dir).done).stdout) as {
      hosts: { name: string; release: string; running: boolean }[];
    };
    const history = JSON.parse((await startCli(['history', '--json'], dir).done).stdout) as {
      hosts: { deploys: { release: string; from: string; result: string }[] }[];
    };
    const last = history.hosts[0]!.deploys.at(-1)!;
    expect(last.result).toBe('deployed');
    expect(status.hosts.every((h) => h.release === last.release && h.running)).toBe(true);
    const { value: run, failed } = await underLoad(() => startCli(['rollback'], dir).done);
    expect(run.code, run.stdout).toBe(0);
    expect(failed).toBe(0);
    for (const i of [0, 1]) {
      const view = await hostView(ip(i));
      expect(view.current).toBe(last.from);
      expect(view.health).toBe('200');
    }
  });

  it('deploy sample records the host alone, as CSV', async () => {
    const { dir } = sandboxConfig(state);
    const run = await startCli(['sample', '--host', 'h2', '--duration', '3', '--out', 'mem.csv'], dir).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/samples from h2 \(cgroup\)/);
    const rows = readFileSync(`${dir}/mem.csv`, 'utf8').trim().split('\n');
    expect(rows.length).toBeGreaterThanOrEqual(3);
  });

  it('a broken build on host 1: exit 1, host 1 back on the old release and serving, host 2 untouched', async () => {
    const { dir } = sandboxConfig(state, { source: brokenSource() });
    const before = [await hostView(ip(0)), await hostView(ip(1))];
    const { value: run, failed } = await underLoad(() => startCli(['run'], dir).done);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/build.run failed on h1/);
    expect(failed).toBe(0);
    const [h1, h2] = [await hostView(ip(0)), await hostView(ip(1))];
    expect(h1.current).toBe(before[0]!.current);
    expect(h1.health).toBe('200');
    expect(h2).toEqual(before[1]);
  });

  it('a new JVM that never becomes healthy is rolled back', async () => {
    const { dir } = sandboxConfig(state, {
      app: {
        health: { path: '/health', timeoutSeconds: 8 },
        start: { command: 'java -Xmx320m -jar build/app.jar', env: { BOOT_DELAY_MS: '600000' } },
      },
    });
    const before = await hostView(ip(0));
    const { value: run, failed } = await underLoad(() => startCli(['run'], dir).done);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/\/health never passed on h1/);
    expect(failed).toBe(0);
    const after = await hostView(ip(0));
    expect(after.current).toBe(before.current);
    expect(after.health).toBe('200');
  });

  it('the SSH connection to host 1 reset during the build: rolled back over a new connection, exit 1', async () => {
    const { dir } = sandboxConfig(state, {
      app: {
        build: {
          command: 'BUILD_SECONDS=8 BUILD_MB=400 sh build.sh',
          artifact: 'build/app.jar',
          estimateSeconds: 10,
        },
      },
    });
    const before = await hostView(ip(0));
    let cutAt = 0;
    const { value: run, failed } = await underLoad(async () => {
      const cli = startCli(['run'], dir);
      await waitForEvent(`${dir}/report`, (e) => e.kind === 'step:start' && e.step === 'build');
      await new Promise((r) => setTimeout(r, 1000));
      // The kernel resets every established SSH socket on h1, as a network path failing would.
      cutAt = Date.now();
      execFileSync('ip', [
        'netns',
        'exec',
        state.hosts[0]!.netns,
        'ss',
        '-K',
        'state',
        'established',
        '( sport = :22 )',
      ]);
      return cli.done;
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(/internal error|ECONNRESET\n\s+at /);
    expect(run.stdout).toMatch(
      /build FAILED [^\n]*\(exit 255\):\n\s+the SSH connection to h1 was lost \(.+\)/,
    );
    expect(failed).toBe(0);
    const report = readReport(dir);
    const h1 = report.hosts[0]!;
    expect(h1.result).toBe('rolled-back');
    expect(h1.steps.filter((s) => s.name.startsWith('undo:')).every((s) => s.ok)).toBe(true);
    // The sampler came back with the new connection: the rollback is in the memory record too.
    const { startedAt, memory } = JSON.parse(readFileSync(`${dir}/report/report.json`, 'utf8')) as {
      startedAt: string;
      memory: { samples: { t: number; host: string }[] };
    };
    const cutT = (cutAt - Date.parse(startedAt)) / 1000;
    expect(memory.samples.filter((x) => x.host === 'h1' && x.t > cutT + 2).length).toBeGreaterThanOrEqual(3);
    const after = await hostView(ip(0));
    expect(after.current).toBe(before.current);
    expect(after.health).toBe('200');
    const status = JSON.parse((await startCli(['status', '--json'], dir).done).stdout) as {
      hosts: { lock: unknown }[];
    };
    expect(status.hosts.every((h) => h.lock === null)).toBe(true);
  });

  for (const step of ['drain', 'build', 'health'])
    it(`SIGINT during ${step}: the host ends up serving, the lock is released, exit non-zero`, async () => {
      const { dir } = sandboxConfig(state);
      const { value, failed } = await underLoad(async () => {
        const cli = startCli(['run'], dir);
        await waitForEvent(`${dir}/report`, (e) => e.kind === 'step:start' && e.step === step);
        if (step === 'health') await new Promise((r) => setTimeout(r, 300));
        cli.child.kill('SIGINT');
        return cli.done;
      });
      expect(value.code).not.toBe(0);
      expect(failed).toBe(0);
      const view = await hostView(ip(0));
      expect(view.health).toBe('200');
      // An app adopted from a hand start has no PID file until the tool restarts it.
      if (view.pid) expect(view.alive).toBe(true);
      const status = await startCli(['status', '--json'], dir).done;
      const hosts = JSON.parse(status.stdout).hosts as { lock: unknown }[];
      expect(hosts.every((h) => h.lock === null)).toBe(true);
    });

  it('a second deploy while one runs exits 3 and names the lock owner', async () => {
    const { dir } = sandboxConfig(state);
    const first = startCli(['run'], dir);
    await waitForEvent(`${dir}/report`, (e) => e.kind === 'host:start');
    const second = await startCli(['run', '--report-dir', `${dir}/report2`], dir).done;
    first.child.kill('SIGINT');
    await first.done;
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/another deploy holds the lock on h1: root@\S+ \(pid \d+\) since /);
  });

  it('with --wait-lock a second deploy queues behind the first and then deploys, under load', async () => {
    const { dir } = sandboxConfig(state);
    const { value, failed } = await underLoad(async () => {
      const first = startCli(['run'], dir);
      await waitForEvent(`${dir}/report`, (e) => e.kind === 'host:start');
      const second = startCli(['run', '--wait-lock', '300', '--report-dir', `${dir}/report2`], dir);
      return { first: await first.done, second: await second.done };
    });
    expect(value.first.code, value.first.stdout).toBe(0);
    expect(value.second.code, value.second.stdout).toBe(0);
    expect(value.second.stdout).toMatch(/waiting up to 300 s: another deploy holds the lock on h1: root@/);
    expect(failed).toBe(0);
    const a = JSON.parse(readFileSync(`${dir}/report/report.json`, 'utf8')) as { endedAt: string };
    const b = JSON.parse(readFileSync(`${dir}/report2/report.json`, 'utf8')) as {
      hosts: { steps: { name: string; startedAt: string }[] }[];
    };
    // The second touched no host before the first was done.
    const firstDrain = b.hosts[0]!.steps.find((s) => s.name === 'drain')!;
    expect(Date.parse(firstDrain.startedAt)).toBeGreaterThanOrEqual(Date.parse(a.endedAt) - 1000);
  });

  it('an unknown host key is refused with its fingerprint (exit 2); a changed key is refused', async () => {
    const { dir: scratch } = sandboxConfig(state);
    const empty = `${scratch}/empty_known_hosts`;
    writeFileSync(empty, '');
    const { dir } = sandboxConfig(state, { knownHosts: empty });
    const unknown = await startCli(['run'], dir).done;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown host key for 10\.213\.7\.11: SHA256:[A-Za-z0-9+/]{43}/);
    expect(unknown.stderr).toMatch(
      /add this line to .*empty_known_hosts:\n\s+10\.213\.7\.11 ssh-ed25519 AAAA/,
    );
    const other = `${scratch}/other_key`;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const forged = `${scratch}/forged_known_hosts`;
    writeFileSync(
      forged,
      `10.213.7.11 ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
    );
    const changed = await startCli(['run'], sandboxConfig(state, { knownHosts: forged }).dir).done;
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/host key for 10\.213\.7\.11 has CHANGED/);
    expect((await hostView(ip(0))).health).toBe('200');
  });

  it('a single-target config without --allow-downtime is refused before anything is drained', async () => {
    const { dir } = sandboxConfig(state, { hosts: 1 });
    const run = await startCli(['run'], dir).done;
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/h1 is the only target: draining it is downtime/);
    expect(events(`${dir}/report`).some((e) => e.kind === 'step:start' && e.step === 'drain')).toBe(false);
    expect((await hostView(ip(0))).health).toBe('200');
  });
});
