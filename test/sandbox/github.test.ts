// Issue 7 acceptance: the CLI against the sandbox as GitHub Actions runs it: one log group per
// host, a step summary with the timeline, the memory figures and a Mermaid chart, and an ::error
// annotation naming the failed step and host.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { brokenSource, sandboxConfig, startCli } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

sandboxDescribe('deploy run under GitHub Actions', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });
  const actions = (dir: string) => {
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '');
    return {
      summary,
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_RUN_ID: '42',
        GITHUB_REPOSITORY: 'acme/shop',
      },
    };
  };

  it('a deploy: one group per host, and a step summary with timeline, memory and a Mermaid chart', async () => {
    const { dir } = sandboxConfig(state);
    const { summary, env } = actions(dir);
    const run = await startCli(['run'], dir, env).done;
    expect(run.code, run.stdout).toBe(0);
    for (const host of ['h1', 'h2'])
      expect(run.stdout.split('\n').filter((l) => l === `::group::${host}`)).toHaveLength(1);
    expect(run.stdout.split('\n').filter((l) => l === '::endgroup::')).toHaveLength(2);
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/### Timeline/);
    expect(md).toMatch(/\| h1 \| build \|/);
    expect(md).toMatch(/### Memory[\s\S]*peak \*\*\d+(\.\d+)? %\*\*/);
    expect(md).toMatch(/```mermaid\s*\nxychart-beta/);
  });

  it('a failing deploy produces an ::error annotation naming the step and the host', async () => {
    const { dir } = sandboxConfig(state, { source: brokenSource() });
    const { env } = actions(dir);
    const run = await startCli(['run'], dir, env).done;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error title=build failed on h1::/m);
  });
});
