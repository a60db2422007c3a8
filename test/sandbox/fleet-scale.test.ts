// Twelve hosts behind the 3-node ALB model under steady load, deployed in batches of 25 % with a
// 75 % healthy floor (docs/rollout.md): 0 failed requests, and no node of the load balancer ever
// routes to fewer than 9 targets, read from the nodes themselves once a second. Then a release that
// cannot start on the hosts of the second batch: the rollout stops there, that batch is restored,
// the first batch keeps the new release and the later batches are not touched (exit 1).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { formatLoad } from '../../scripts/sandbox/load.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import { events, hostView, readReport, startCli } from '../helpers/deploy-sandbox.ts';
import { underAlbLoad } from './_alb.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';
import { fleetConfig, fleetEnv, fleetSource, fleetUp, lowestFloor, sampleFloor } from './_fleet.ts';

const HOSTS = 12;
const ROLLOUT = { batchSize: '25%', minHealthy: '75%' };
const FLOOR = 9; // 75 % of 12
const RATE = 60;

/** The most hosts out of service at once: from the start of their drain to their host:end. */
function mostOut(reportDir: string): number {
  const out = new Set<string>();
  let most = 0;
  for (const e of events(reportDir) as { kind: string; host?: string; step?: string }[]) {
    if (e.kind === 'step:start' && e.step === 'drain') out.add(e.host!);
    if (e.kind === 'host:end') out.delete(e.host!);
    most = Math.max(most, out.size);
  }
  return most;
}

/** A deploy under load with the floor sampled from every node, and the hosts' own view afterwards. */
async function fleetRun(state: SandboxState, dir: string) {
  const floor = sampleFloor(state);
  const t0 = performance.now();
  const { value: run, load } = await underAlbLoad(
    state,
    async () => {
      const r = await startCli(['run', '--yes'], dir, fleetEnv).done;
      return { ...r, seconds: (performance.now() - t0) / 1000 };
    },
    RATE,
  );
  const samples = await floor.stop();
  const views = await Promise.all(state.hosts.map((h) => hostView(h.ip)));
  const report = readReport(dir);
  const hosts = Object.fromEntries(report.hosts.map((h) => [h.name, h]));
  console.log(
    `[fleet] exit ${run.code} in ${run.seconds.toFixed(1)} s; ${formatLoad(load)}; lowest floor ${lowestFloor(samples)} of ${samples.length} looks; ` +
      report.hosts.map((h) => `${h.name} ${h.result}`).join(', '),
  );
  return { run, load, samples, views, report, hosts };
}

sandboxDescribe(`a fleet of ${HOSTS} hosts in batches of 25 % with a 75 % floor (ALB model)`, () => {
  const sandbox = sandboxForSuite(fleetUp(HOSTS));
  let state: SandboxState;
  let firstRelease = '';
  beforeAll(() => {
    state = sandbox();
  });

  it('plan: 4 batches of 3, a floor of 9, the total at most a third of one host at a time', async () => {
    const source = fleetSource();
    const plan = async (rollout: Record<string, unknown>) => {
      const { dir } = fleetConfig(state, { source, rollout });
      const r = await startCli(['plan', '--json'], dir, fleetEnv).done;
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).rollout as {
        batches: string[][];
        minHealthy: number;
        totalSeconds: number;
      };
    };
    const batched = await plan(ROLLOUT);
    const serial = await plan({ batchSize: 1, minHealthy: FLOOR });
    expect(batched.batches).toEqual([
      ['h1', 'h2', 'h3'],
      ['h4', 'h5', 'h6'],
      ['h7', 'h8', 'h9'],
      ['h10', 'h11', 'h12'],
    ]);
    expect(batched.minHealthy).toBe(FLOOR);
    expect(serial.batches).toHaveLength(HOSTS);
    console.log(
      `[fleet] plan: ${batched.totalSeconds} s in batches of 3, ${serial.totalSeconds} s one at a time`,
    );
    expect(batched.totalSeconds).toBeLessThanOrEqual(serial.totalSeconds / 3);
  });

  it('deploys all 12 under load: 0 failed, no node below 9 targets, 3 hosts out at once', async () => {
    const { dir } = fleetConfig(state, { source: fleetSource(), rollout: ROLLOUT });
    const r = await fleetRun(state, dir);
    expect(r.run.code, `${r.run.stdout}\n${r.run.stderr}`).toBe(0);
    expect(r.load.failed, formatLoad(r.load)).toBe(0);
    expect(r.load.total).toBeGreaterThan(RATE * 30);
    // Sampled every second for the whole run, from each of the 3 nodes (a look may take longer
    // than a second on a loaded machine: most seconds, and no gap over 3 s).
    expect(r.samples.length).toBeGreaterThanOrEqual(0.8 * r.run.seconds);
    const gaps = r.samples.slice(1).map((s, i) => s.at - r.samples[i]!.at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3000);
    for (const s of r.samples) expect(Object.keys(s.byNode)).toHaveLength(3);
    expect(lowestFloor(r.samples)).toBeGreaterThanOrEqual(FLOOR);
    // The batches really ran side by side (else the floor would hold trivially).
    expect(mostOut(join(dir, 'report'))).toBe(3);
    firstRelease = r.hosts.h1!.release.to;
    for (const [i, h] of state.hosts.entries()) {
      expect(r.hosts[h.name]!.result).toBe('deployed');
      expect(r.views[i]).toMatchObject({ current: firstRelease, health: '200', alive: true });
    }
    const perHost = r.report.hosts.map(
      (h) => (Date.parse(h.steps.at(-1)!.endedAt) - Date.parse(h.steps[0]!.startedAt)) / 1000,
    );
    const sum = perHost.reduce((a, b) => a + b, 0);
    console.log(
      `[fleet] 12 hosts in ${r.run.seconds.toFixed(1)} s; per host ${Math.min(...perHost).toFixed(1)}-${Math.max(...perHost).toFixed(1)} s, ${sum.toFixed(0)} s summed (${(r.run.seconds / sum).toFixed(2)} of it)`,
    );
  });

  it('a release that fails on the second batch: stopped there, that batch restored, batch 1 new, 3 and 4 untouched, exit 1', async () => {
    expect(firstRelease, 'needs the first deploy').not.toBe('');
    const failOn = ['h4', 'h5', 'h6'];
    const { dir } = fleetConfig(state, { source: fleetSource(failOn), rollout: ROLLOUT });
    const r = await fleetRun(state, dir);
    expect(r.run.code, `${r.run.stdout}\n${r.run.stderr}`).toBe(1);
    expect(r.load.failed, formatLoad(r.load)).toBe(0);
    expect(lowestFloor(r.samples)).toBeGreaterThanOrEqual(FLOOR);
    const second = r.hosts.h1!.release.to;
    expect(second).not.toBe(firstRelease);
    for (const [i, h] of state.hosts.entries()) {
      const batch = Math.floor(i / 3) + 1;
      const expected =
        batch === 1
          ? { result: 'deployed', current: second }
          : batch === 2
            ? { result: 'rolled-back', current: firstRelease }
            : { result: 'skipped', current: firstRelease };
      expect({ host: h.name, result: r.hosts[h.name]?.result, current: r.views[i]!.current }).toEqual({
        host: h.name,
        ...expected,
      });
      expect(r.views[i], h.name).toMatchObject({ health: '200', alive: true });
      // Untouched: the failed release never reached the later batches.
      if (batch > 2) expect(existsSync(join(h.srvDir, 'releases', second)), h.name).toBe(false);
    }
    expect(r.run.stderr + r.run.stdout).toMatch(/injected: FAIL_ON_h[456]/);
  });
});
