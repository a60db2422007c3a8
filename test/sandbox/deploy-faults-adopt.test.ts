// First deploy onto an app started by hand with no `current` symlink (issue 12, item 4): the
// app is adopted into a release of its own, so a failed deploy brings it back as it ran.
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { listenerPid } from '../../scripts/sandbox/hosts.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { hostView, readReportAt, sandboxConfig, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const report = readReportAt;

sandboxDescribe('deploy run in the sandbox: adopting an app started by hand', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });

  it('first deploy onto an app started by hand with no `current`: adopted, and a failed health check leaves it serving', async () => {
    const h1 = state.hosts[0]!;
    await sshRun(h1.ip, 'rm -f /srv/handoff/current /srv/handoff/app.pid');
    const app = await listenerPid(h1);
    const ran = await sshRun(h1.ip, `readlink /proc/${app}/cwd; tr '\\0' ' ' < /proc/${app}/cmdline`);
    const { dir } = sandboxConfig(state, {
      app: {
        health: { path: '/health', timeoutSeconds: 8 },
        start: { command: 'java -Xmx320m -jar build/app.jar', env: { BOOT_DELAY_MS: '600000' } },
      },
    });
    const { value: run, failed } = await underLoad(() => startCli(['run'], dir).done);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/\/health never passed on h1/);
    expect(failed).toBe(0);
    const h = report(join(dir, 'report')).hosts[0]!;
    expect(h.steps[0]!.detail).toMatch(
      new RegExp(`old JVM ${app} \\(found by port\\); current release \\S+-adopted \\(adopted`),
    );
    const adopted = h.release.from!;
    const view = await hostView(h1.ip);
    expect(view.health).toBe('200');
    // The restored JVM is the adopted release's: same command line and directory as the hand start.
    const r = await sshRun(
      h1.ip,
      `readlink /proc/${view.pid}/cwd; tr '\\0' ' ' < /proc/${view.pid}/cmdline; echo; readlink /srv/handoff/current`,
    );
    const [cwd, cmdline, current] = r.stdout.trim().split('\n');
    expect(`${cwd}\n${cmdline?.trim()}`).toBe(ran.stdout.trim());
    expect(current).toBe(`releases/${adopted}`);
  });
});
