import { expect, it } from 'vitest';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import {
  brokenSource,
  hostView,
  readReport,
  startCli,
  underLoad,
  waitForEvent,
} from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe } from './_env.ts';
import { AWS_ENV, ssmSuite } from './_ssm.ts';

sandboxDescribe('deploy run over Systems Manager: failures', () => {
  const { state, config } = ssmSuite();

  it('a failed build rolls back over Systems Manager: exit 1, the old release serving, 0 failed', async () => {
    const dir = config(brokenSource());
    const { value: run, failed } = await underLoad(
      () => startCli(['run', '--yes', '--hosts', 'h1'], dir, AWS_ENV).done,
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(failed).toBe(0);
    const report = readReport(dir);
    const h1 = report.hosts[0]!;
    const view = await hostView(state().hosts[0]!.ip);
    expect(view.current).toBe(h1.release.from);
    expect(view.health).toBe('200');
  }, 300_000);

  it('SIGINT during the build: the command cancelled, the build (its own session) gone, the old release serving', async () => {
    const dir = config();
    const { value: run, failed } = await underLoad(async () => {
      const cli = startCli(['run', '--yes', '--hosts', 'h1'], dir, AWS_ENV);
      await waitForEvent(`${dir}/report`, (e) => e.kind === 'step:start' && e.step === 'build');
      await new Promise((r) => setTimeout(r, 1500));
      cli.child.kill('SIGINT');
      return cli.done;
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(failed).toBe(0);
    const view = await hostView(state().hosts[0]!.ip);
    expect(view.current).toBe(readReport(dir).hosts[0]!.release.from);
    expect(view.health).toBe('200');
    // FakeGradle's JVM is the build: nothing of it is left on the host.
    const left = await sshRun(state().hosts[0]!.ip, "pgrep -f '[F]akeGradle' || true");
    expect(left.stdout.trim()).toBe('');
  }, 300_000);
});
