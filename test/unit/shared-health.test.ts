// Hosts side by side each ask the target group about themselves every few seconds; with a hundred
// in flight that is far beyond ELBv2's Describe* limit (a bucket of 40, 10 a second). One call for
// the whole group answers them all for a short while.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/engine/clock.ts';
import type { LoadBalancerPort, TargetState } from '../../src/ports.ts';
import { sharedTargetHealth } from '../../src/rollout/shared-health.ts';

function group(states: TargetState[]) {
  const calls: (string[] | undefined)[] = [];
  const port: LoadBalancerPort = {
    describeTargetGroup: async () => {
      throw new Error('not used');
    },
    targetHealth: async (_arn, targets) => {
      calls.push(targets?.map((t) => t.id));
      return targets
        ? states.filter((s) => targets.some((t) => t.id === s.id))
        : states.map((s) => ({ ...s }));
    },
    deregister: async () => {},
    register: async () => {},
  };
  return { port, calls, states };
}

describe('sharedTargetHealth', () => {
  it('a hundred hosts asking at once: one call for the whole group', async () => {
    const g = group(
      Array.from({ length: 100 }, (_, i) => ({ id: `i-${i}`, port: 8080, state: 'healthy' as const })),
    );
    const shared = sharedTargetHealth(g.port, new VirtualClock(), { maxAgeMs: 2000 });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => shared.targetHealth('arn', [{ id: `i-${i}`, port: 8080 }])),
    );
    expect(g.calls).toEqual([undefined]);
    expect(answers.map((a) => a.map((t) => t.id))).toEqual(Array.from({ length: 100 }, (_, i) => [`i-${i}`]));
  });

  it('asks again once the answer is older than maxAgeMs, and sees what changed', async () => {
    const g = group([{ id: 'i-1', port: 8080, state: 'healthy' }]);
    const clock = new VirtualClock();
    const shared = sharedTargetHealth(g.port, clock, { maxAgeMs: 2000 });
    expect((await shared.targetHealth('arn', [{ id: 'i-1' }]))[0]?.state).toBe('healthy');
    g.states[0]!.state = 'draining';
    clock.advance(1999);
    expect((await shared.targetHealth('arn', [{ id: 'i-1' }]))[0]?.state).toBe('healthy');
    clock.advance(1);
    expect((await shared.targetHealth('arn', [{ id: 'i-1' }]))[0]?.state).toBe('draining');
    expect(g.calls).toHaveLength(2);
  });

  it('a target the group does not list (deregistered, its delay over) reads as unused, as a call naming it would', async () => {
    const g = group([{ id: 'i-1', port: 8080, state: 'healthy' }]);
    const shared = sharedTargetHealth(g.port, new VirtualClock(), { maxAgeMs: 2000 });
    expect(await shared.targetHealth('arn', [{ id: 'i-2', port: 8080 }])).toEqual([
      { id: 'i-2', port: 8080, state: 'unused', reason: 'Target.NotRegistered' },
    ]);
  });

  it('the same instance on another port is another target', async () => {
    const g = group([
      { id: 'i-1', port: 8080, state: 'healthy' },
      { id: 'i-1', port: 8081, state: 'draining' },
    ]);
    const shared = sharedTargetHealth(g.port, new VirtualClock(), { maxAgeMs: 2000 });
    expect((await shared.targetHealth('arn', [{ id: 'i-1', port: 8081 }])).map((t) => t.state)).toEqual([
      'draining',
    ]);
  });

  it('a failed call is not kept: the next question asks again', async () => {
    const g = group([{ id: 'i-1', port: 8080, state: 'healthy' }]);
    let fail = true;
    const port = {
      ...g.port,
      targetHealth: async (arn: string, t?: { id: string }[]) => {
        if (fail) throw new Error('Throttling');
        return g.port.targetHealth(arn, t);
      },
    };
    const shared = sharedTargetHealth(port, new VirtualClock(), { maxAgeMs: 2000 });
    await expect(shared.targetHealth('arn')).rejects.toThrow('Throttling');
    fail = false;
    expect(await shared.targetHealth('arn')).toHaveLength(1);
  });
});
