// Batches with a healthy floor, on the real engine with recording executors and virtual time:
// hosts of a batch run side by side, batches one after the other; the floor (from every host's own
// /health here: there is no load balancer to ask) is never broken, so a host waits its turn; the
// first failure stops new drains, the failed host is restored, hosts already draining finish, and
// the rest are left untouched and reported as skipped.
import { describe, expect, it } from 'vitest';
import type { DeployEvent } from '../../src/engine/events.ts';
import type { Cmd } from '../../src/remote/shell.ts';
import { baseConfig } from '../helpers/config.ts';
import { kinds, runEngine } from '../helpers/engine.ts';

const names = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
function fleet(rollout: Record<string, unknown>, count = 6) {
  const base = baseConfig() as { hosts: Record<string, unknown>[] };
  const hosts = names.slice(0, count).map((name, i) => ({ ...base.hosts[0], name, host: `10.0.0.${i + 1}` }));
  return { ...base, hosts, rollout };
}

// Each host: r1 healthy; the drain makes /health fail, a stopped JVM answers nothing, a started one 200.
function hostsModel() {
  const health = new Map<string, string>();
  return (host: string, cmd: Cmd) => {
    if (cmd.kind === 'drain.post') health.set(host, '502');
    if (cmd.kind === 'jvm.stop') health.set(host, '000');
    if (cmd.kind === 'jvm.start') health.set(host, '200');
    if (cmd.kind === 'health.probe') return { stdout: health.get(host) ?? '200' };
    return cmd.kind === 'state.read' ? { stdout: 'current=r1\npid=4242\nstate=alive\n' } : undefined;
  };
}

/** The most hosts out of service at once: from their drain command to their host:end. */
function mostOut(events: DeployEvent[]): number {
  const out = new Set<string>();
  let most = 0;
  for (const e of events) {
    if (e.kind === 'command' && e.command === 'drain.post') out.add(e.host);
    if (e.kind === 'host:end') out.delete(e.host);
    most = Math.max(most, out.size);
  }
  return most;
}

const order = (events: DeployEvent[], kind: string) =>
  events.filter((e) => e.kind === kind).map((e) => (e as { host: string }).host);

/** Six hosts where h4's build fails (the second batch, with batches of 3). */
const h4BuildFails = (rollout: Record<string, unknown>) => {
  const model = hostsModel();
  return runEngine({
    config: fleet(rollout),
    respond: (host, cmd) =>
      host === 'h4' && cmd.kind === 'build.run' ? { code: 1, stderr: 'BUILD FAILED' } : model(host, cmd),
  });
};

describe('batches', () => {
  it('batches of 2 with a floor of 4 of 6: two hosts side by side, the next batch after both', async () => {
    const r = await runEngine({ config: fleet({ batchSize: 2, minHealthy: 4 }), respond: hostsModel() });
    expect(r.run.exitCode).toBe(0);
    expect(r.run.hosts.map((h) => h.result)).toEqual(Array(6).fill('deployed'));
    expect(mostOut(r.events)).toBe(2);
    const starts = order(r.events, 'host:start');
    const ends = order(r.events, 'host:end');
    // h2 starts before h1 ends; h3 only after h1 and h2 both ended.
    const at = (kind: string, host: string) =>
      r.events.findIndex((e) => e.kind === kind && (e as { host?: string }).host === host);
    expect(at('host:start', 'h2')).toBeLessThan(at('host:end', 'h1'));
    expect(at('host:start', 'h3')).toBeGreaterThan(Math.max(at('host:end', 'h1'), at('host:end', 'h2')));
    expect(starts).toHaveLength(6);
    expect(ends).toHaveLength(6);
  });

  it('the floor holds inside a batch: batch of 4, at least 2 of 4 healthy, so never more than 2 out', async () => {
    const r = await runEngine({
      config: fleet({ batchSize: '100%', minHealthy: '50%' }, 4),
      respond: hostsModel(),
    });
    expect(r.run.exitCode).toBe(0);
    expect(mostOut(r.events)).toBe(2);
    expect(r.events.some((e) => e.kind === 'log' && /waiting for the floor/.test(e.message))).toBe(true);
  });

  it('a failure in the second batch stops new drains: the failed host restored, the draining one finishes, the waiting one untouched', async () => {
    const r = await h4BuildFails({ batchSize: 3, minHealthy: 4 });
    expect(r.run.exitCode).toBe(1);
    expect(Object.fromEntries(r.run.hosts.map((h) => [h.name, h.result]))).toEqual({
      h1: 'deployed',
      h2: 'deployed',
      h3: 'deployed',
      h4: 'rolled-back',
      h5: 'deployed',
      h6: 'skipped',
    });
    expect(kinds(r.log, 'h6')).not.toContain('drain.post');
    expect(kinds(r.log, 'h6')).toContain('lock.release');
    expect(r.run.hosts.find((h) => h.name === 'h4')!.release.from).toBe('r1');
    expect(r.run.error).toMatch(/^h4: /);
  });

  it('a floor no host can keep is refused before any host is touched (exit 2)', async () => {
    const log: string[] = [];
    const model = hostsModel();
    const r = runEngine({
      config: fleet({ batchSize: 2, minHealthy: '100%' }, 3),
      respond: (host, cmd) => {
        log.push(cmd.kind);
        return model(host, cmd);
      },
    });
    await expect(r).rejects.toMatchObject({
      exitCode: 2,
      message:
        'rollout.minHealthy 100% is 3 of 3 targets: no host could ever be drained. Lower rollout.minHealthy, or pass --allow-downtime',
    });
    expect(log).toEqual([]);
  });
});

/** The release each host's jvm.start commands started, in order. */
const started = (log: { host: string; kind: string; command: string }[], host: string) =>
  log
    .filter((r) => r.host === host && r.kind === 'jvm.start')
    .map((r) => /\/releases\/([^\s'/]+)/.exec(r.command)?.[1]);

describe("onFailure: 'rollback-all'", () => {
  it('a failure in the second batch: the hosts already deployed are rolled back too, newest first, the floor kept', async () => {
    const r = await h4BuildFails({ batchSize: 3, minHealthy: 4, onFailure: 'rollback-all' });
    expect(r.run.exitCode).toBe(1);
    expect(Object.fromEntries(r.run.hosts.map((h) => [h.name, h.result]))).toEqual({
      h1: 'rolled-back',
      h2: 'rolled-back',
      h3: 'rolled-back',
      h4: 'rolled-back',
      h5: 'rolled-back',
      h6: 'skipped',
    });
    // Deployed r2, then r1 started again from its recorded command; h4 never started r2.
    for (const h of ['h1', 'h2', 'h3', 'h5']) expect(started(r.log, h), h).toEqual(['r2', 'r1']);
    expect(kinds(r.log, 'h6')).not.toContain('drain.post');
    // The error names the host that failed, not one rolled back after it.
    expect(r.run.error).toMatch(/^h4: /);
    expect(r.run.error).toMatch(/rolled back too \(rollout\.onFailure rollback-all\): h5, h3, h2, h1/);
    // Newest first (h5 of batch 2, then the first batch backwards); never more than 2 out of 6 (floor 4).
    const drains = r.log.filter((x) => x.kind === 'drain.post').map((x) => x.host);
    expect(drains.slice(-4)).toEqual(['h5', 'h3', 'h2', 'h1']);
    expect(mostOut(r.events)).toBeLessThanOrEqual(2);
    // The report keeps both: the deploy's steps, then the rollback's, named rollback:<step>.
    const h1 = r.run.hosts.find((h) => h.name === 'h1')!;
    expect(h1.release).toEqual({ from: 'r1', to: 'r2' });
    const names = h1.outcome.steps.map((s) => s.name);
    expect(names.slice(0, 2)).toEqual(['preflight', 'upload']);
    expect(names).toContain('rollback:settle');
    expect(names.filter((n) => n === 'settle')).toHaveLength(1);
  });

  it("with 'stop' (the default) the deployed hosts stay on the new release", async () => {
    const r = await h4BuildFails({ batchSize: 3, minHealthy: 4 });
    for (const h of ['h1', 'h2', 'h3', 'h5']) expect(started(r.log, h), h).toEqual(['r2']);
  });

  it('a host whose rollback fails is restored to the new release and named; the others still go back', async () => {
    const model = hostsModel();
    let h2Starts = 0;
    const r = await runEngine({
      config: fleet({ batchSize: 3, minHealthy: 4, onFailure: 'rollback-all' }),
      respond: (host, cmd) => {
        if (host === 'h4' && cmd.kind === 'build.run') return { code: 1, stderr: 'BUILD FAILED' };
        // h2's second start (r1, the rollback) fails; its undo brings r2 back.
        if (host === 'h2' && cmd.kind === 'jvm.start' && ++h2Starts === 2)
          return { code: 1, stderr: 'no java' };
        return model(host, cmd);
      },
    });
    expect(r.run.exitCode).toBe(1);
    const result = Object.fromEntries(r.run.hosts.map((h) => [h.name, h.result]));
    expect(result).toMatchObject({ h1: 'rolled-back', h2: 'deployed', h3: 'rolled-back', h5: 'rolled-back' });
    expect(r.run.error).toMatch(/h2 could not be rolled back and serves the new release \(r2\): /);
  });

  it('no rollback after an interrupt: the hosts deployed stay as they are', async () => {
    const model = hostsModel();
    const r = await runEngine({
      config: fleet({ batchSize: 3, minHealthy: 4, onFailure: 'rollback-all' }),
      respond: model,
      abortWhen: (host, cmd) => host === 'h4' && cmd.kind === 'build.run',
    });
    expect(r.run.exitCode).toBe(1);
    for (const h of ['h1', 'h2', 'h3']) expect(started(r.log, h), h).toEqual(['r2']);
  });
});
