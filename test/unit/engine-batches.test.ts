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
    const model = hostsModel();
    const r = await runEngine({
      config: fleet({ batchSize: 3, minHealthy: 4 }),
      respond: (host, cmd) =>
        host === 'h4' && cmd.kind === 'build.run' ? { code: 1, stderr: 'BUILD FAILED' } : model(host, cmd),
    });
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
