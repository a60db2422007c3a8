import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { listenerPid } from '../../scripts/sandbox/hosts.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import {
  brokenSource,
  hostView,
  pidAlive,
  readReport,
  sandboxConfig,
  startCli,
  underLoad,
} from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

sandboxDescribe('deploy run in the sandbox (termination mode)', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });
  const ip = (i: number) => state.hosts[i]!.ip;

  it('a two-host stop-first deploy: 0 failed requests, both hosts on the new release, old JVM gone before the build', async () => {
    const { dir } = sandboxConfig(state);
    // The old JVM as the host knows it: the process on the app port (the first deploy has no PID file).
    const listening = [await listenerPid(state.hosts[0]!), await listenerPid(state.hosts[1]!)];
    expect(listening.every((p) => p! > 1)).toBe(true);
    const { value: run, failed, total } = await underLoad(() => startCli(['run'], dir).done);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(total).toBeGreaterThan(500);
    expect(failed).toBe(0);
    const report = readReport(dir);
    expect(report.result).toBe('deployed');
    // report.html from the same run, with the plan's drain math (a browser opens one in the unit lane)
    const html = readFileSync(`${dir}/report/report.html`, 'utf8');
    for (const h of report.hosts) expect(html).toContain(`<td>${h.name}</td>`);
    expect(html).toMatch(/<h2>Drain math<\/h2>[\s\S]*<div class="memory-chart"><svg/);
    for (const [i, h] of report.hosts.entries()) {
      const view = await hostView(ip(i));
      expect(view.current).toBe(h.release.to);
      expect(view.health).toBe('200');
      expect(h.oldPid).toBe(listening[i]);
      expect(await pidAlive(ip(i), listening[i]!)).toBe(false);
      expect(await listenerPid(state.hosts[i]!)).toBe(h.newPid);
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
});
