// A failing after-hook against real hosts under load (docs/hooks.md): the new JVM already serves
// (the hook waits until the load balancer routes to it), so the undo must take it out of service
// before it stops it: 0 failed requests, h1 back on the release it ran, exit 1, h2 left alone.
import { beforeAll, expect, it } from 'vitest';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { hostView, readReport, sandboxConfig, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

sandboxDescribe('a failing after-hook in the sandbox', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });
  const ip = (i: number) => state.hosts[i]!.ip;

  it('afterHealthy fails once the new JVM serves: withdrawn and drained before its stop, 0 failed, the old release back', async () => {
    const before = [await hostView(ip(0)), await hostView(ip(1))];
    // Until requests reach the new JVM (its access count grows), then fail: the undo meets a serving JVM.
    const served =
      'n=0; while [ $n -lt 40 ]; do c=$(ss -Htn state established "( sport = :8080 )" | wc -l); [ "$c" -gt 1 ] && break; sleep 0.5; n=$((n+1)); done; sleep 3; echo "smoke test failed" >&2; exit 1';
    const { dir } = sandboxConfig(state, { extra: { hooks: { afterHealthy: { run: served } } } });
    const { value: run, failed, total } = await underLoad(() => startCli(['run', '--hosts', 'h1'], dir).done);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout + run.stderr).toMatch(
      /hook afterHealthy \(host\) failed on h1 \(exit 1\):\s+smoke test failed/,
    );
    expect(total).toBeGreaterThan(200);
    expect(failed).toBe(0);
    const h1 = readReport(dir).hosts[0]!;
    const names = h1.steps.map((s) => s.name);
    expect(names.slice(names.indexOf('afterHealthy'))).toEqual([
      'afterHealthy',
      'undo:health',
      'undo:start',
      'undo:build',
      'undo:drain',
      'undo:upload',
    ]);
    expect(h1.steps.filter((s) => s.name.startsWith('undo:')).every((s) => s.ok)).toBe(true);
    const after = [await hostView(ip(0)), await hostView(ip(1))];
    expect(after[0]!.current).toBe(before[0]!.current);
    expect(after[0]!.health).toBe('200');
    expect(after[1]).toEqual(before[1]);
    const releases = (await sshRun(ip(0), 'ls /srv/handoff/releases')).stdout;
    expect(releases).not.toContain(h1.release.to);
  });
});
