// Issue 5 acceptance: deregister mode through the sandbox's ELBv2 endpoint (the real SDK client),
// with a 300 s deregistration delay, under steady load plus long requests: no failures, and each
// host's drain ends within the longest in-flight request + 2 s, not after 300 s.
import { beforeAll, expect, it } from 'vitest';
import { ELBV2, FRONTEND } from '../../scripts/sandbox/contract.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { deregisterConfig, readReport, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const LONG_REQUEST_MS = 3000;
const awsEnv = {
  AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_REGION: ELBV2.region,
};

sandboxDescribe('deploy run, deregister mode, through the ELBv2 endpoint', () => {
  const sandbox = sandboxForSuite({ hosts: 2, deregistrationDelaySeconds: 300 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });

  it('two hosts under load: 0 failed requests, exit 0, each drain within the longest request + 2 s', async () => {
    const { dir } = deregisterConfig(state);
    const plan = await startCli(['plan', '--json'], dir, awsEnv).done;
    expect(plan.code, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout);
    expect(p.drain.deregistrationDelaySeconds).toEqual({ value: 300, source: 'aws' });
    expect(p.healthCheck.source).toBe('aws');

    const {
      value: run,
      failed,
      total,
    } = await underLoad(
      () => startCli(['run'], dir, awsEnv).done,
      [{ url: `http://${FRONTEND.host}:${FRONTEND.port}/?ms=${LONG_REQUEST_MS}`, rate: 2 }],
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(total).toBeGreaterThan(400);
    expect(failed).toBe(0);
    const report = readReport(dir);
    for (const host of report.hosts) {
      console.log(`${host.name}: drained in ${host.drainSeconds} s (delay 300 s)`);
      expect(host.drainSeconds).not.toBeNull();
      expect(host.drainSeconds!).toBeLessThanOrEqual(LONG_REQUEST_MS / 1000 + 2);
      // The host's own sockets: the long requests are its only kept connections (HAProxy closes the rest).
      expect(host.steps.find((s) => s.name === 'wait')!.detail).toMatch(
        /no request from the load balancer for 3 s and none in flight/,
      );
      expect(host.steps.find((s) => s.name === 'settle')!.detail).toMatch(
        /every node \(\d\) routes to the host again|healthy in the target group/,
      );
    }
  });
});
