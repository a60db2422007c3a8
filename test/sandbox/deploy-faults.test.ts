// A lost SSH connection mid-build, against real parts: the undo runs over a new connection and the
// memory sampler comes back with it (the rollback is in the memory record too). Every other fault,
// and this one at each step, is a row of the fault matrix (_fault-matrix.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import {
  hostView,
  readReport,
  sandboxConfig,
  startCli,
  underLoad,
  waitForEvent,
} from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

sandboxDescribe('deploy run in the sandbox: faults mid-deploy', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });
  const ip = (i: number) => state.hosts[i]!.ip;

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
});
