// Before the first host: every host connected, locked and prepared (marks, sampler, budget). With
// a fleet these ran one host after the other (7.7 s for twelve sandbox hosts before the first
// step, bench/fleet.ts); the connections and the preparation now run side by side, a few at a time
// (a shared jump host's sshd refuses unauthenticated connections beyond MaxStartups), and a host
// that cannot be reached still leaves no connection open. The locks stay one host after the
// other, in order: two deploys that start together never each take half of them.
import { describe, expect, it } from 'vitest';
import { HOSTS_AT_ONCE, OPEN_AT_ONCE } from '../../src/engine/each-host.ts';
import type { Executor } from '../../src/executors/types.ts';
import { baseConfig } from '../helpers/config.ts';
import { runEngine } from '../helpers/engine.ts';

function fleet(count: number) {
  const base = baseConfig() as { hosts: Record<string, unknown>[] };
  const hosts = Array.from({ length: count }, (_, i) => ({
    ...base.hosts[0],
    name: `h${i + 1}`,
    host: `10.0.0.${i + 1}`,
  }));
  return { ...base, hosts, rollout: { batchSize: '25%', minHealthy: '75%' } };
}

/** Counts how many calls are in progress at once; each takes a few real milliseconds. */
function overlap() {
  let now = 0;
  let most = 0;
  return {
    async during<T>(fn: () => T): Promise<T> {
      now++;
      most = Math.max(most, now);
      await new Promise((r) => setTimeout(r, 5));
      now--;
      return fn();
    },
    most: () => most,
  };
}

describe('connecting and preparing the hosts', () => {
  it('twelve hosts are connected side by side, at most HOSTS_AT_ONCE at a time, and prepared all at once', async () => {
    const connects = overlap();
    const prepares = overlap();
    const r = await runEngine({
      config: fleet(12),
      connect: (_host, exec) => connects.during(() => exec),
      prepare: () => prepares.during(() => undefined),
    });
    expect(r.run.exitCode).toBe(0);
    expect(HOSTS_AT_ONCE).toBe(8);
    expect(connects.most()).toBe(HOSTS_AT_ONCE);
    // Preparing uses connections already open: all twelve at once (up to OPEN_AT_ONCE).
    expect(OPEN_AT_ONCE).toBeGreaterThanOrEqual(12);
    expect(prepares.most()).toBe(12);
    // The locks, in the configured order, each before any host is prepared.
    const locks = r.log.filter((x) => x.kind === 'lock.acquire').map((x) => x.host);
    expect(locks).toEqual(Array.from({ length: 12 }, (_, i) => `h${i + 1}`));
  });

  it('hosts that cannot be reached: the first in order is named, every connection made is closed, nothing is locked', async () => {
    const closed: string[] = [];
    const opened: string[] = [];
    const sent: string[] = [];
    const run = runEngine({
      config: fleet(12),
      connect: async (host, exec): Promise<Executor> => {
        await new Promise((r) => setTimeout(r, host === 'h3' ? 20 : 5));
        if (host === 'h3' || host === 'h9') throw new Error(`${host}: connect ETIMEDOUT`);
        opened.push(host);
        return {
          name: exec.name,
          run: (cmd, o) => {
            sent.push(cmd.kind);
            return exec.run(cmd, o);
          },
          close: async () => void closed.push(host),
        };
      },
    });
    await expect(run).rejects.toThrow('h3: connect ETIMEDOUT');
    expect(opened).toHaveLength(10);
    expect(closed.sort()).toEqual(opened.sort());
    expect(sent).toEqual([]);
  });
});
