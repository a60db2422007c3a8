// A deadline-aware poller (AWS SDK waiter states, Kamal's poller): returns a state and what it
// saw, never just a boolean. The last sleep is clamped so a final check lands on the deadline.
import type { Clock } from './clock.ts';

export type PollState = 'SUCCESS' | 'FAILURE' | 'TIMEOUT' | 'ABORTED';
export type PollResult = {
  state: PollState;
  attempts: number;
  observed: Record<string, number>;
  last?: string;
  reason?: string;
};
/** `nextInMs`: the check knows a moment worth looking at sooner (a bound), so the next look lands on it. */
export type Check = { done: true } | { done: false; observed: string; fail?: string; nextInMs?: number };

export async function poll(opts: {
  clock: Clock;
  signal?: AbortSignal;
  timeoutMs: number;
  intervalMs: number;
  maxIntervalMs?: number;
  check: (attempt: number) => Promise<Check>;
}): Promise<PollResult> {
  const deadline = opts.clock.now() + opts.timeoutMs;
  const observed: Record<string, number> = {};
  let delay = opts.intervalMs;
  let last: string | undefined;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) return { state: 'ABORTED', attempts: attempt - 1, observed, last };
    const r = await opts.check(attempt);
    if (r.done) return { state: 'SUCCESS', attempts: attempt, observed, last };
    observed[r.observed] = (observed[r.observed] ?? 0) + 1;
    last = r.observed;
    if (r.fail) return { state: 'FAILURE', attempts: attempt, observed, last, reason: r.fail };
    const left = deadline - opts.clock.now();
    if (left <= 0) return { state: 'TIMEOUT', attempts: attempt, observed, last };
    try {
      await opts.clock.sleep(Math.min(delay, left, r.nextInMs ?? delay), opts.signal);
    } catch {
      return { state: 'ABORTED', attempts: attempt, observed, last };
    }
    delay = Math.min(delay * 1.5, opts.maxIntervalMs ?? delay * 4);
  }
}

export function describeObserved(observed: Record<string, number>): string {
  return Object.entries(observed)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
}
