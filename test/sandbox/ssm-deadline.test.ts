// A step's deadline reaches the host over Systems Manager: the build step's remaining time
// (app.build.timeoutSeconds) becomes the command's executionTimeout, the agent kills the build when
// it passes, the invocation ends TimedOut, the step fails and the undo puts the old release back.
// A host hook's command carries its own timeoutSeconds (and the kill grace) the same way.
import { expect, it } from 'vitest';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import { hostView, readReport, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe } from './_env.ts';
import { AWS_ENV, ssmSuite } from './_ssm.ts';

sandboxDescribe('deploy run over Systems Manager: step deadlines', () => {
  const { state, ssm, config } = ssmSuite();

  /** `run` on h1 under load: exit 1 and 0 failed; the one invocation sent since whose commands hold `sent`. */
  async function failsOnH1(dir: string, sent: string) {
    const since = Date.now();
    const { value: run, failed } = await underLoad(
      () => startCli(['run', '--yes', '--hosts', 'h1'], dir, AWS_ENV).done,
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(failed).toBe(0);
    const sends = [...ssm().endpoint.model.invocations.values()].filter(
      (i) => i.requestedAt >= since && i.commands.some((c) => c.includes(sent)),
    );
    expect(sends).toHaveLength(1);
    return { inv: sends[0]!, h1: readReport(dir).hosts[0]! };
  }

  /**
   * The whole seconds a command's deadline, `seconds` after its step began, still had when the
   * endpoint received it: the transport rounds what is left up just before sending, so at least
   * this. Not a fixed floor: over SSM the step's own commands before it (the step mark, the build's
   * setup) take seconds more at load, and the command carries less time, as it should.
   */
  function leftAtSend(
    seconds: number,
    step: { startedAt: string } | undefined,
    inv: { requestedAt: number },
  ) {
    const sentAfter = (inv.requestedAt - Date.parse(step!.startedAt)) / 1000;
    return Math.max(1, Math.floor(seconds - sentAfter));
  }

  /** h1 serves the release it had, healthy, and no process matching `left` (a pgrep pattern) is left. */
  async function oldReleaseServes(h1: { release: { from: string | null } }, left: string) {
    const ip = state().hosts[0]!.ip;
    const view = await hostView(ip);
    expect(view.current).toBe(h1.release.from);
    expect(view.health).toBe('200');
    expect((await sshRun(ip, `pgrep -f '${left}' || true`)).stdout.trim()).toBe('');
  }

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
    const { inv, h1 } = await failsOnH1(dir, 'build.sh');
    // The agent ended it, not the CLI: the build's invocation timed out with a bound under 8 s.
    expect(inv).toMatchObject({ status: 'TimedOut', details: 'ExecutionTimedOut' });
    const build = h1.steps.find((s) => s.name === 'build');
    expect(inv.executionTimeoutSeconds).toBeLessThanOrEqual(8);
    expect(inv.executionTimeoutSeconds).toBeGreaterThanOrEqual(leftAtSend(8, build, inv));
    expect(build?.ok).toBe(false);
    expect(build?.detail).toMatch(/TimedOut/);
    expect(h1.steps.some((s) => s.name === 'undo:build' && s.ok)).toBe(true);
    await oldReleaseServes(h1, '[F]akeGradle');
  }, 240_000);

  it("a host hook past its timeoutSeconds: its command's executionTimeout is its limit, the step fails, nothing left on the host, 0 failed", async () => {
    // A tag of this run's own: the release's commit subject, written to the host, may name the hook.
    const run = `sleep 600 # hook-${Date.now()}`;
    const dir = config(undefined, {
      extra: { hooks: { beforeDrain: { run, where: 'host', timeoutSeconds: 3 } } },
    });
    const { inv, h1 } = await failsOnH1(dir, run);
    // The hook's command went out bounded by its 3 s and the 5 s kill grace, not the transport's default.
    const hook = h1.steps.find((s) => s.name === 'beforeDrain');
    expect(inv.executionTimeoutSeconds).toBeLessThanOrEqual(8);
    expect(inv.executionTimeoutSeconds).toBeGreaterThanOrEqual(leftAtSend(8, hook, inv));
    expect(hook?.ok).toBe(false);
    expect(hook?.detail).toMatch(/timed out/);
    await oldReleaseServes(h1, '[s]leep 600');
  }, 240_000);
});
