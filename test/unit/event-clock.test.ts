// Virtual time for hosts side by side: a sleep ends at its own moment, not after everyone else's.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import { EventClock } from '../../src/engine/event-clock.ts';

/** `n` workers, each sleeping `ms` `times` times; the virtual time they took. */
async function workers(
  clock: { now(): number; sleep(ms: number): Promise<void> },
  n: number,
  ms: number,
  times: number,
) {
  const t0 = clock.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let i = 0; i < times; i++) await clock.sleep(ms);
    }),
  );
  return clock.now() - t0;
}

describe('EventClock', () => {
  it('a hundred workers polling every 250 ms for 10 s take 10 virtual seconds (VirtualClock: 1,000)', async () => {
    expect(await workers(new EventClock(), 100, 250, 40)).toBe(10_000);
    expect(await workers(new VirtualClock(), 100, 250, 40)).toBe(1_000_000);
  });

  it('wakes in time order, ties in the order they slept', async () => {
    const clock = new EventClock(0);
    const order: string[] = [];
    const nap = async (name: string, ms: number) => {
      await clock.sleep(ms);
      order.push(`${name}@${clock.now()}`);
    };
    await Promise.all([nap('a', 300), nap('b', 100), nap('c', 300), nap('d', 0)]);
    expect(order).toEqual(['d@0', 'b@100', 'a@300', 'c@300']);
  });

  it('work between sleeps runs before time moves on', async () => {
    const clock = new EventClock(0);
    const seen: number[] = [];
    await Promise.all([
      (async () => {
        await clock.sleep(1000);
        seen.push(clock.now());
      })(),
      (async () => {
        for (let i = 0; i < 5; i++) await Promise.resolve(); // a recording executor's answer
        seen.push(clock.now());
        await clock.sleep(500);
        seen.push(clock.now());
      })(),
    ]);
    expect(seen).toEqual([0, 500, 1000]);
  });

  it('an aborted sleep rejects at once and does not hold time back', async () => {
    const clock = new EventClock(0);
    const ac = new AbortController();
    const long = clock.sleep(60_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(long).rejects.toThrow('stop');
    await clock.sleep(10);
    expect(clock.now()).toBe(10);
  });
});
