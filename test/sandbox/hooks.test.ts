// Hooks against real hosts under load (docs/hooks.md): a two-host deploy with hooks on the host and
// here runs them in order with the step context, with 0 failed requests; a beforeDrain that fails
// on the first host stops the deploy with nothing changed: exit 1, both hosts serve the old release
// from the same JVM (never drained: a termination POST makes /health fail for good), the upload gone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { hostView, readReport, sandboxConfig, startCli, underLoad } from '../helpers/deploy-sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const HOST_LOG = '/srv/handoff/hooks.log';
// One line per hook run: who, which release, the step, where it ran, /health right then, and when.
const line = (file: string) =>
  `echo "$HANDOFF_HOOK $HANDOFF_HOST $HANDOFF_RELEASE \${HANDOFF_PREVIOUS_RELEASE:--} $HANDOFF_STEP $(pwd) $(curl -s -o /dev/null -m 2 -w '%{http_code}' http://127.0.0.1:8080/health) $(date +%s%N)" >> ${file}`;

type Line = {
  hook: string;
  host: string;
  release: string;
  previous: string;
  step: string;
  cwd: string;
  health: string;
  ns: bigint;
};
function parse(text: string): Line[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [hook, host, release, previous, step, cwd, health, ns] = l.split(' ');
      return {
        hook: hook!,
        host: host!,
        release: release!,
        previous: previous!,
        step: step!,
        cwd: cwd!,
        health: health!,
        ns: BigInt(ns!),
      };
    });
}

sandboxDescribe('hooks in the sandbox', () => {
  const sandbox = sandboxForSuite({ hosts: 2 });
  let state: SandboxState;
  beforeAll(() => {
    state = sandbox();
  });
  const ip = (i: number) => state.hosts[i]!.ip;
  const hostLines = async (i: number) =>
    parse(
      (await sshRun(ip(i), `cat ${HOST_LOG} 2>/dev/null; rm -f ${HOST_LOG}`, { allowFail: true })).stdout,
    );

  it('a two-host deploy under load runs host and local hooks in order, with the step context; 0 failed', async () => {
    const { dir } = sandboxConfig(state);
    const local = join(dir, 'local-hooks.log');
    const { dir: withHooks } = sandboxConfig(state, {
      extra: {
        report: { dir: join(dir, 'report') },
        hooks: {
          beforeDrain: { run: line(HOST_LOG) },
          afterHealthy: { run: line(HOST_LOG) },
          afterDeploy: { run: line(local), where: 'local' },
          onFailure: { run: `echo failed >> ${local}`, where: 'local' },
        },
      },
    });
    const { value: run, failed, total } = await underLoad(() => startCli(['run'], withHooks).done);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(total).toBeGreaterThan(300);
    expect(failed).toBe(0);
    const report = readReport(dir);
    const [h1, h2] = [await hostLines(0), await hostLines(1)];
    const here = parse(readFileSync(local, 'utf8'));
    for (const [i, lines] of [h1, h2].entries()) {
      const h = report.hosts[i]!;
      const releaseDir = `/srv/handoff/releases/${h.release.to}`;
      // beforeDrain while the old JVM still serves; afterHealthy once the new one answers.
      expect(lines.map((l) => [l.hook, l.host, l.release, l.previous, l.step, l.cwd, l.health])).toEqual([
        ['beforeDrain', h.name, h.release.to, h.release.from ?? '-', 'drain', releaseDir, '200'],
        ['afterHealthy', h.name, h.release.to, h.release.from ?? '-', 'health', releaseDir, '200'],
      ]);
      expect(h.hooks.map((r) => `${r.hook}:${r.where}:${r.code}`)).toEqual([
        'beforeDrain:host:0',
        'afterHealthy:host:0',
        'afterDeploy:local:0',
      ]);
      const names = h.steps.map((s) => s.name);
      expect(names.indexOf('beforeDrain')).toBe(names.indexOf('drain') - 1);
      expect(names.at(-1)).toBe('afterDeploy');
    }
    // Local hooks ran here, in the config's directory, once per host, after the host was back in service.
    expect(here.map((l) => [l.hook, l.host, l.step, l.cwd])).toEqual([
      ['afterDeploy', 'h1', 'settle', withHooks],
      ['afterDeploy', 'h2', 'settle', withHooks],
    ]);
    // In order across hosts: h1 done (its afterDeploy) before h2's beforeDrain.
    expect(h1[1]!.ns < here[0]!.ns && here[0]!.ns < h2[0]!.ns && h2[1]!.ns < here[1]!.ns).toBe(true);
  });

  it('a failing beforeDrain on the first host: exit 1, nothing drained, both hosts on the old release', async () => {
    const { dir } = sandboxConfig(state);
    const local = join(dir, 'local-hooks.log');
    const before = [await hostView(ip(0)), await hostView(ip(1))];
    const { dir: failing } = sandboxConfig(state, {
      extra: {
        report: { dir: join(dir, 'report') },
        hooks: {
          beforeDrain: { run: '[ "$HANDOFF_HOST" != h1 ] || { echo "migration 42 failed" >&2; exit 3; }' },
          onFailure: { run: `echo "$HANDOFF_FAILED_STEP $HANDOFF_HOST" >> ${local}`, where: 'local' },
        },
      },
    });
    const { value: run, failed } = await underLoad(() => startCli(['run'], failing).done);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout + run.stderr).toMatch(
      /hook beforeDrain \(host\) failed on h1 \(exit 3\):\s+migration 42 failed/,
    );
    expect(failed).toBe(0);
    const report = readReport(dir);
    expect(report.hosts.map((h) => h.result)).toEqual(['rolled-back', 'skipped']);
    expect(report.hosts[0]!.steps.map((s) => s.name)).toEqual([
      'preflight',
      'upload',
      'beforeDrain',
      'undo:upload',
    ]);
    // The same JVM, the same release, /health 200: a termination POST would have made it 502 for good.
    expect([await hostView(ip(0)), await hostView(ip(1))]).toEqual(before);
    expect(before.every((v) => v.health === '200' && v.alive)).toBe(true);
    const releases = (await sshRun(ip(0), 'ls /srv/handoff/releases')).stdout;
    expect(releases).not.toContain(report.releaseId);
    expect(readFileSync(local, 'utf8')).toBe('beforeDrain h1\n');
  });
});
