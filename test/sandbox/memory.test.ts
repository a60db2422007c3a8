// Issue 6 acceptance: the memory-safe order removes the old JVM's overlap with the build and the
// new JVM, on hosts with a 1 GiB cgroup; the old order shows it (and a higher peak).

import { existsSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { readReport, sandboxConfig, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

sandboxDescribe('memory: stop-first vs build-first on 1 GiB hosts', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });

  it('stop-first: no overlap; build-first of the same source: overlap and a peak at least 15 points higher (or an OOM kill)', async () => {
    const build = {
      command: 'BUILD_SECONDS=4 BUILD_MB=450 sh build.sh',
      artifact: 'build/app.jar',
      estimateSeconds: 6,
    };
    const runs: Record<string, ReturnType<typeof readReport>> = {};
    for (const strategy of ['stop-first', 'build-first']) {
      const { dir } = sandboxConfig(state, { app: { build }, extra: { strategy } });
      const { value, failed } = await underLoad(() => startCli(['run'], dir).done);
      expect(value.code, value.stdout).toBe(0);
      expect(failed).toBe(0);
      runs[strategy] = readReport(dir);
      for (const f of ['memory.svg', 'memory.csv', 'summary.md'])
        expect(existsSync(`${dir}/report/${f}`)).toBe(true);
    }
    const safe = runs['stop-first']!.memory!;
    const old = runs['build-first']!.memory!;
    console.log(
      `stop-first peak ${safe.peakPercent} % overlap ${safe.overlapSeconds} s; build-first peak ${old.peakPercent} % overlap ${old.overlapSeconds} s oom ${old.oomKills}`,
    );
    expect(safe.source).toBe('cgroup');
    expect(safe.overlapSeconds).toBe(0);
    expect(old.overlapSeconds).toBeGreaterThan(0);
    expect(old.peakPercent! - safe.peakPercent! >= 15 || old.oomKills > 0).toBe(true);
    for (const m of [safe, old]) {
      expect(m.samples.length).toBeGreaterThan(30);
      expect(m.missedSamples / m.samples.length).toBeLessThan(0.01);
      expect(new Set(m.samples.map((s) => s.step))).toContain('build');
    }
  });

  it('leaves no sampler process on the hosts', async () => {
    for (const host of state.hosts) {
      const r = await sshRun(host.ip, "ps -eo args | grep -c '[h]andoff memory sampler' || true", {
        allowFail: true,
      });
      expect(r.stdout.trim()).toBe('0');
    }
  });
});
