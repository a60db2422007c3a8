// A step's deadline reaches the host over Systems Manager: the build step's remaining time
// (app.build.timeoutSeconds) becomes the command's executionTimeout, the agent kills the build when
// it passes, the invocation ends TimedOut, the step fails and the undo puts the old release back.
import { expect, it } from 'vitest';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import { hostView, readReport, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe } from './_env.ts';
import { AWS_ENV, ssmSuite } from './_ssm.ts';

sandboxDescribe('deploy run over Systems Manager: step deadlines', () => {
  const { state, ssm, config } = ssmSuite();

  it('a build longer than app.build.timeoutSeconds ends TimedOut on the host: the step fails, the old release serves, 0 failed', async () => {
    const dir = config(undefined, {
      app: {
        build: {
          command: 'BUILD_SECONDS=120 BUILD_MB=200 sh build.sh',
          artifact: 'build/app.jar',
          timeoutSeconds: 8,
        },
      },
    });
    const since = Date.now();
    const { value: run, failed } = await underLoad(
      () => startCli(['run', '--yes', '--hosts', 'h1'], dir, AWS_ENV).done,
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(failed).toBe(0);
    // The agent ended it, not the CLI: the build's invocation timed out with a bound under 8 s.
    const builds = [...ssm().endpoint.model.invocations.values()].filter(
      (i) => i.requestedAt >= since && i.commands.some((c) => c.includes('build.sh')),
    );
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatchObject({ status: 'TimedOut', details: 'ExecutionTimedOut' });
    expect(builds[0]!.executionTimeoutSeconds).toBeLessThanOrEqual(8);
    expect(builds[0]!.executionTimeoutSeconds).toBeGreaterThanOrEqual(5);
    const report = readReport(dir);
    const h1 = report.hosts[0]!;
    const build = h1.steps.find((s) => s.name === 'build');
    expect(build?.ok).toBe(false);
    expect(build?.detail).toMatch(/TimedOut/);
    expect(h1.steps.some((s) => s.name === 'undo:build' && s.ok)).toBe(true);
    const view = await hostView(state().hosts[0]!.ip);
    expect(view.current).toBe(h1.release.from);
    expect(view.health).toBe('200');
    const left = await sshRun(state().hosts[0]!.ip, "pgrep -f '[F]akeGradle' || true");
    expect(left.stdout.trim()).toBe('');
  }, 240_000);
});
