// Shared by the ssm deploy tests: a two-host sandbox with an agent in each host for one suite, and
// its config on transport 'ssm' (test/helpers/ssm.ts); a deploy under load that must succeed.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { type SsmSandbox, startSsmSandbox } from '../../scripts/sandbox/ssm/sandbox.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import type { TraceLine } from '../../src/executors/traced.ts';
import { hostView, type Overrides, readReport, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { AWS_ENV, ssmConfig } from '../helpers/ssm.ts';
import { sandboxForSuite } from './_env.ts';

export { AWS_ENV, ssmConfig } from '../helpers/ssm.ts';
/** A sandbox (two hosts unless told) with an SSM agent in each host for one suite, and its config on transport 'ssm'. */
export function ssmSuite(hosts = 2) {
  const sandbox = sandboxForSuite({ hosts });
  let state: SandboxState;
  let ssm: SsmSandbox;
  beforeAll(async () => {
    state = sandbox();
    ssm = await startSsmSandbox(state);
  }, 60_000);
  afterAll(async () => {
    await ssm?.stop();
  });
  return {
    state: () => state,
    ssm: () => ssm,
    config: (source?: string, more?: Overrides) => ssmConfig(state, ssm, source, more),
  };
}

/**
 * `run --yes` under load (with HANDOFF_TRACE to `trace` if given): exit 0, more than 300 requests
 * and none failed, every host deployed, on its new release, /health 200. The report, and the
 * commands traced.
 */
export async function deployUnderLoad(state: SandboxState, dir: string, trace?: string) {
  const env = { ...AWS_ENV, ...(trace ? { HANDOFF_TRACE: trace } : {}) };
  const { value: run, failed, total } = await underLoad(() => startCli(['run', '--yes'], dir, env).done);
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(total).toBeGreaterThan(300);
  expect(failed).toBe(0);
  const report = readReport(dir);
  expect(report.hosts.map((h) => h.result)).toEqual(state.hosts.map(() => 'deployed'));
  for (const [i, h] of report.hosts.entries()) {
    const view = await hostView(state.hosts[i]!.ip);
    expect(view.current).toBe(h.release.to);
    expect(view.health).toBe('200');
  }
  const commands = trace
    ? readFileSync(trace, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as TraceLine)
    : [];
  return { run, total, failed, report, commands };
}
