// Deregister mode, SIGINT once the host is out of the target group: the undo must put it back
// (RegisterTargets) even though the interrupt has fired. An ELBv2 client bound to the interrupt's
// signal refuses every call after it, which would leave the host deregistered while the CLI exits.
import { beforeAll, expect, it } from 'vitest';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { deregisterConfig, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { apiState, awsEnv, elbv2Client } from './_alb.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

sandboxDescribe('deploy run, deregister mode, SIGINT during the drain wait', () => {
  const sandbox = sandboxForSuite({ hosts: 2, deregistrationDelaySeconds: 300 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });

  it('exit 1, h1 registered and healthy again, 0 failed requests', async () => {
    const { dir } = deregisterConfig(state);
    const h1 = state.hosts[0]!;
    const client = elbv2Client();
    expect(await apiState(client, h1.instanceId)).toBe('healthy');
    const { value: run, failed } = await underLoad(async () => {
      const cli = startCli(['run', '--yes'], dir, awsEnv);
      let out = '';
      cli.child.stdout!.on('data', (d) => {
        out += d;
      });
      for (let i = 0; i < 1200 && !/\[h1\] wait/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/\[h1\] wait/);
      cli.child.kill('SIGINT');
      return cli.done;
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(failed).toBe(0);
    let seen = await apiState(client, h1.instanceId);
    for (let i = 0; i < 60 && seen !== 'healthy'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      seen = await apiState(client, h1.instanceId);
    }
    expect(seen, `${run.stdout}\n${run.stderr}`).toBe('healthy');
  });
});
