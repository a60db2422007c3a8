// rollout.onFailure 'rollback-all' on real hosts (docs/rollout.md): four small hosts behind the
// 3-node ALB model under steady load, batches of 2 with a floor of 2. A release that cannot start
// on h4 (the second batch): h4 is restored by its own undo, and the hosts this deploy had already
// put on the new release (h3 beside it, then h1 and h2 of the first batch) go back to the release
// each ran before, newest first, behind the floor. Every host ends on the old release, serving;
// 0 failed requests; exit 1; the report says which release each host runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { formatLoad } from '../../scripts/sandbox/load.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { hostView, readReport, startCli } from '../helpers/deploy-sandbox.ts';
import { underAlbLoad } from './_alb.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';
import { fleetConfig, fleetEnv, fleetSource, fleetUp, lowestFloor, sampleFloor } from './_fleet.ts';

const HOSTS = 4;
const FLOOR = 2;
const RATE = 40;

async function fleetRun(state: SandboxState, failOn: string[], onFailure: 'stop' | 'rollback-all') {
  const { dir } = fleetConfig(state, {
    source: fleetSource(failOn),
    rollout: { batchSize: 2, minHealthy: FLOOR, onFailure },
  });
  const floor = sampleFloor(state);
  const { value: run, load } = await underAlbLoad(
    state,
    () => startCli(['run', '--yes'], dir, fleetEnv).done,
    RATE,
  );
  const samples = await floor.stop();
  const views = await Promise.all(state.hosts.map((h) => hostView(h.ip)));
  const report = readReport(dir);
  console.log(
    `[rollback-all] exit ${run.code}; ${formatLoad(load)}; lowest floor ${lowestFloor(samples)}; ` +
      report.hosts.map((h) => `${h.name} ${h.result} (${h.release.from} -> ${h.release.to})`).join(', '),
  );
  return { dir, run, load, samples, views, report };
}

/** When a host's rollback drained it (its `rollback:drain` step began). */
const rollbackDrainAt = (host: { steps: { name: string; startedAt: string }[] }) =>
  Date.parse(host.steps.find((s) => s.name === 'rollback:drain')?.startedAt ?? 'NaN');

sandboxDescribe(
  "rollout.onFailure 'rollback-all': a failure in the second batch takes the first back too",
  () => {
    const sandbox = sandboxForSuite(fleetUp(HOSTS));
    let state: SandboxState;
    beforeAll(() => {
      state = sandbox();
    });

    it('every host ends on the release it ran before, 0 failed requests, exit 1, the report says so', async () => {
      // Release A everywhere first: the release each host must end on.
      const first = await fleetRun(state, [], 'rollback-all');
      expect(first.run.code, `${first.run.stdout}\n${first.run.stderr}`).toBe(0);
      expect(first.load.failed, formatLoad(first.load)).toBe(0);
      const a = first.report.hosts[0]!.release.to;

      const r = await fleetRun(state, ['h4'], 'rollback-all');
      expect(r.run.code, `${r.run.stdout}\n${r.run.stderr}`).toBe(1);
      expect(r.load.failed, formatLoad(r.load)).toBe(0);
      expect(r.load.total).toBeGreaterThan(RATE * 20);
      expect(lowestFloor(r.samples)).toBeGreaterThanOrEqual(FLOOR);
      const b = r.report.releaseId;
      expect(b).not.toBe(a);
      // On the hosts themselves: release A current, its JVM alive and healthy.
      for (const [i, h] of state.hosts.entries())
        expect({ host: h.name, ...r.views[i] }).toMatchObject({
          host: h.name,
          current: a,
          health: '200',
          alive: true,
        });
      // The report: every host rolled back from B to A; h4 by its own undo, the others by rollback-all.
      const hosts = Object.fromEntries(r.report.hosts.map((h) => [h.name, h]));
      for (const name of ['h1', 'h2', 'h3', 'h4'])
        expect({ name, result: hosts[name]!.result, release: hosts[name]!.release }).toEqual({
          name,
          result: 'rolled-back',
          release: { from: a, to: b },
        });
      const names = (name: string) => hosts[name]!.steps.map((s) => s.name);
      expect(names('h4')).toContain('undo:drain');
      expect(names('h4').some((n) => n.startsWith('rollback:'))).toBe(false);
      for (const name of ['h1', 'h2', 'h3']) {
        expect(names(name), name).toContain('settle'); // deployed B first
        expect(names(name), name).toContain('rollback:settle'); // then back to A
        expect(names(name), name).not.toContain('rollback:upload'); // the release is already there
      }
      // Newest first: h3 (beside the failed host) and h2 go back before h1.
      expect(rollbackDrainAt(hosts.h3!)).toBeLessThan(rollbackDrainAt(hosts.h1!));
      expect(rollbackDrainAt(hosts.h2!)).toBeLessThan(rollbackDrainAt(hosts.h1!));
      // The error names the host that failed, then the hosts rolled back too.
      expect(r.report.error).toMatch(/^h4: /);
      expect(r.report.error).toMatch(/rolled back too \(rollout\.onFailure rollback-all\): h3, h2, h1/);
      expect(r.run.stderr + r.run.stdout).toMatch(/injected: FAIL_ON_h4/);
      const summary = readFileSync(join(r.dir, 'report', 'summary.md'), 'utf8');
      for (const name of ['h1', 'h2', 'h3', 'h4'])
        expect(summary).toMatch(new RegExp(`\\| ${name} \\| rolled-back \\| ${a} -> ${b} \\|`));
    });
  },
);
