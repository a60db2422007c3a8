// With hosts side by side every host asks the target group about itself (drain and settle waits,
// every 2 s) and the floor gate about everyone: a hundred hosts in flight would send far more
// DescribeTargetHealth calls than ELBv2's Describe* limit (a bucket of 40, refilled at 10 a
// second). Here one call without Targets (every target of the group, which AWS caps at 1,000)
// answers every question for `maxAgeMs`, and questions asked while it runs wait for it. A state is
// at most that old; the waits already ask only every 2 s, and the floor gate counts the drains it
// let through itself, so neither relies on a fresher answer (docs/rollout.md).
import type { Clock } from '../engine/clock.ts';
import type { LoadBalancerPort, TargetState } from '../ports.ts';
import { batchSizeOf, type RolloutConfig } from './batches.ts';

type Target = { id: string; port?: number };

const same = (t: TargetState, x: Target) =>
  t.id === x.id && (x.port === undefined || t.port === undefined || t.port === x.port);

export function sharedTargetHealth(
  port: LoadBalancerPort,
  clock: Clock,
  o: { maxAgeMs: number },
): LoadBalancerPort {
  let last: { arn: string; at: number; states: TargetState[] } | undefined;
  let pending: { arn: string; answer: Promise<TargetState[]> } | undefined;

  const all = async (arn: string): Promise<TargetState[]> => {
    if (last && last.arn === arn && clock.now() - last.at < o.maxAgeMs) return last.states;
    if (pending?.arn === arn) return pending.answer;
    const at = clock.now();
    const answer = port.targetHealth(arn).then((states) => {
      last = { arn, at, states };
      return states;
    });
    pending = { arn, answer };
    try {
      return await answer;
    } finally {
      if (pending?.answer === answer) pending = undefined;
    }
  };

  return {
    describeTargetGroup: (nameOrArn) => port.describeTargetGroup(nameOrArn),
    register: (arn, target) => port.register(arn, target),
    deregister: (arn, target) => port.deregister(arn, target),
    async targetHealth(arn, targets) {
      const states = await all(arn);
      if (!targets) return states;
      // Not listed: deregistered and its delay over, as a call naming it would answer.
      return targets.map(
        (x) =>
          states.find((t) => same(t, x)) ?? {
            ...x,
            state: 'unused',
            reason: 'Target.NotRegistered',
          },
      );
    },
  };
}

/** How old a shared answer may be: the waits' own pace (engine/waits.ts asks every 2 s). */
export const SHARED_HEALTH_MAX_AGE_MS = 2000;

/**
 * The deploy's load balancer with one shared DescribeTargetHealth when hosts run side by side;
 * one host at a time keeps asking about itself alone, as before.
 */
export function withSharedHealth<
  D extends {
    lb?: { port: LoadBalancerPort; arn: string };
    clock: Clock;
    hosts: unknown[];
    config: { rollout: RolloutConfig };
  },
>(deps: D): D {
  if (!deps.lb || batchSizeOf(deps.config.rollout.batchSize, deps.hosts.length) <= 1) return deps;
  const port = sharedTargetHealth(deps.lb.port, deps.clock, { maxAgeMs: SHARED_HEALTH_MAX_AGE_MS });
  return { ...deps, lb: { ...deps.lb, port } };
}
