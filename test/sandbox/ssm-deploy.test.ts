// The two-host rolling deploy under load with `transport: 'ssm'`: every command through the local
// Systems Manager endpoint and the agents inside the hosts, no SSH key (the config names none and
// its known_hosts does not exist), the source sent in pieces through `run`, the memory sampler read
// back from a file on the host. 0 failed requests; a failed build leaves the old release serving.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SSM } from '../../scripts/sandbox/contract.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import { type SsmSandbox, startSsmSandbox } from '../../scripts/sandbox/ssm/sandbox.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import {
  brokenSource,
  hostView,
  readReport,
  sandboxConfig,
  startCli,
  underLoad,
  waitForEvent,
} from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIASANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_REGION: SSM.region,
};

sandboxDescribe('deploy run over Systems Manager (transport ssm)', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  let ssm: SsmSandbox;
  beforeAll(async () => {
    state = sandbox();
    ssm = await startSsmSandbox(state);
  }, 60_000);
  afterAll(async () => {
    await ssm?.stop();
  });

  const config = (source?: string) => {
    const { dir } = sandboxConfig(state, {
      knownHosts: '/nonexistent/known_hosts',
      app: { start: { command: 'java -Xms64m -Xmx320m -jar build/app.jar', bootSeconds: 3 } },
      extra: { transport: 'ssm', ssm: { endpoint: ssm.endpoint.url, region: SSM.region } },
      ...(source ? { source } : {}),
    });
    return dir;
  };

  it('a two-host deploy under load: 0 failed, both hosts on the new release, the memory series complete', async () => {
    const dir = config();
    const before = ssm.endpoint.model.invocations.size;
    const {
      value: run,
      failed,
      total,
    } = await underLoad(() => startCli(['run', '--yes'], dir, AWS_ENV).done);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(total).toBeGreaterThan(300);
    expect(failed).toBe(0);
    const report = readReport(dir);
    expect(report.result).toBe('deployed');
    // The sampler's file read back every few seconds: every second is there, and no overlap.
    expect(report.memory?.missedSamples).toBe(0);
    expect(report.memory?.overlapSeconds).toBe(0);
    for (const [i, h] of report.hosts.entries()) {
      const view = await hostView(state.hosts[i]!.ip);
      expect(view.current).toBe(h.release.to);
      expect(view.health).toBe('200');
    }
    const sent = ssm.endpoint.model.invocations.size - before;
    console.log(
      `[ssm-deploy] ${sent} Run Commands, ${total} requests, ${failed} failed, ${run.stdout
        .split('\n')
        .filter((l) => /deployed|total/i.test(l))
        .join(' | ')}`,
    );
    expect(sent).toBeGreaterThan(20);
    expect(existsSync('/nonexistent/known_hosts')).toBe(false);
  }, 300_000);

  it('a failed build rolls back over Systems Manager: exit 1, the old release serving, 0 failed', async () => {
    const dir = config(brokenSource());
    const { value: run, failed } = await underLoad(
      () => startCli(['run', '--yes', '--hosts', 'h1'], dir, AWS_ENV).done,
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(failed).toBe(0);
    const report = readReport(dir);
    const h1 = report.hosts[0]!;
    const view = await hostView(state.hosts[0]!.ip);
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
    const view = await hostView(state.hosts[0]!.ip);
    expect(view.current).toBe(readReport(dir).hosts[0]!.release.from);
    expect(view.health).toBe('200');
    // FakeGradle's JVM is the build: nothing of it is left on the host.
    const left = await sshRun(state.hosts[0]!.ip, "pgrep -f '[F]akeGradle' || true");
    expect(left.stdout.trim()).toBe('');
  }, 300_000);
});
