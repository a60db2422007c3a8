// Work on every host of a deploy before its first batch (connecting, preparing), side by side a
// few at a time: one host after the other, twelve sandbox hosts took 7.7 s before the first step
// (docs/rollout.md, "Before the first batch").
import pLimit from 'p-limit';

/**
 * Connections opened at once. A jump host shared by the fleet is one sshd, which starts refusing
 * unauthenticated connections at MaxStartups (10 by default): stay under it.
 */
export const HOSTS_AT_ONCE = 8;

/** Hosts worked on at once over connections already open (a few commands each). */
export const OPEN_AT_ONCE = 32;

/** `fn` on every item, `atOnce` at a time; each outcome in its item's place, once all have ended. */
export function eachHost<H, T>(
  items: readonly H[],
  fn: (item: H) => Promise<T>,
  atOnce = HOSTS_AT_ONCE,
): Promise<PromiseSettledResult<T>[]> {
  const limit = pLimit(atOnce);
  return Promise.allSettled(items.map((item) => limit(() => fn(item))));
}

/** The values in order, or the first failure in order (the host a one-by-one loop would have named). */
export function valuesOrThrow<T>(settled: PromiseSettledResult<T>[]): T[] {
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
