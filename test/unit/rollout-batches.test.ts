// The batch math written out by hand: sizes and floors for counts and percentages (a batch
// percentage rounds down, never below 1; a floor percentage rounds up), the batches in order, and
// the floor check before a drain, which counts this deploy's own drains before the balancer does.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { buildPlan } from '../../src/plan/plan.ts';
import { renderPlanText } from '../../src/render/plan-text.ts';
import {
  batches,
  batchSizeOf,
  floorOf,
  floorProblem,
  healthyAfterDrain,
  mayDrain,
} from '../../src/rollout/batches.ts';
import { baseConfig } from '../helpers/config.ts';

describe('batch size', () => {
  it.each([
    [1, 12, 1],
    [4, 12, 4],
    [20, 12, 12],
    ['25%', 12, 3],
    ['25%', 13, 3],
    ['50%', 5, 2],
    ['10%', 1000, 100],
    ['10%', 5, 1],
    ['100%', 3, 3],
  ] as const)('%s of %i hosts: %i', (a, fleet, n) => {
    expect(batchSizeOf(a, fleet)).toBe(n);
  });
});

describe('healthy floor', () => {
  it.each([
    [1, 12, 1],
    ['75%', 12, 9],
    ['75%', 13, 10],
    ['75%', 4, 3],
    ['90%', 1000, 900],
    ['0%', 3, 0],
    ['33%', 3, 1],
  ] as const)('%s of %i targets: %i', (a, fleet, n) => {
    expect(floorOf(a, fleet)).toBe(n);
  });

  it('a floor that leaves no host to drain is refused by name', () => {
    expect(floorProblem({ batchSize: 1, minHealthy: '100%', onFailure: 'stop' }, 4)).toBe(
      'minHealthy 100% is 4 of 4 targets: no host could ever be drained',
    );
    expect(floorProblem({ batchSize: 1, minHealthy: 3, onFailure: 'stop' }, 4)).toBeUndefined();
  });
});

describe('batches', () => {
  it('keeps the order, the last batch takes the rest', () => {
    expect(batches(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(batches(['a'], 3)).toEqual([['a']]);
  });
});

describe('may a host be drained now', () => {
  const all = Array.from({ length: 12 }, (_, i) => `h${i + 1}`);
  it('12 healthy, floor 9: the first three drains of a batch pass, the fourth waits', () => {
    const inFlight: string[] = [];
    const verdicts = ['h1', 'h2', 'h3', 'h4'].map((host) => {
      const ok = mayDrain({ healthy: all, inFlight, host, floor: 9 });
      if (ok) inFlight.push(host);
      return ok;
    });
    expect(verdicts).toEqual([true, true, true, false]);
  });

  it('a target the balancer already calls unhealthy counts against the floor', () => {
    const healthy = all.filter((h) => h !== 'h12');
    expect(healthyAfterDrain({ healthy, inFlight: ['h1', 'h2'], host: 'h3', floor: 9 })).toBe(8);
    expect(mayDrain({ healthy, inFlight: ['h1', 'h2'], host: 'h3', floor: 9 })).toBe(false);
  });

  it('a host not counted healthy is not subtracted twice', () => {
    const healthy = all.filter((h) => h !== 'h1');
    expect(healthyAfterDrain({ healthy, inFlight: ['h1'], host: 'h2', floor: 9 })).toBe(10);
  });
});

describe('the plan', () => {
  const config = (rollout: Record<string, unknown>) => {
    const base = baseConfig() as { hosts: Record<string, unknown>[] };
    const hosts = Array.from({ length: 12 }, (_, i) => ({ ...base.hosts[0], name: `h${i + 1}` }));
    const r = validateConfig({ ...base, hosts, rollout });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.config;
  };
  const facts = {
    hosts: Array.from({ length: 12 }, (_, i) => `h${i + 1}`),
    healthCheck: {
      intervalSeconds: 5,
      timeoutSeconds: 2,
      unhealthyThreshold: 3,
      healthyThreshold: 2,
      source: 'config' as const,
    },
    deregistrationDelay: { seconds: 300, source: 'config' as const },
  };

  it('12 hosts in batches of 25 %: 4 batches of 3 side by side, a third of the serial total at most', () => {
    const serial = buildPlan(config({}), facts);
    const plan = buildPlan(config({ batchSize: '25%', minHealthy: '75%' }), facts);
    expect(plan.rollout).toMatchObject({
      batchSize: 3,
      minHealthy: 9,
      batches: [
        ['h1', 'h2', 'h3'],
        ['h4', 'h5', 'h6'],
        ['h7', 'h8', 'h9'],
        ['h10', 'h11', 'h12'],
      ],
    });
    expect(plan.totalSeconds).toBeCloseTo(plan.rollout.perHostSeconds * 4, 5);
    expect(serial.totalSeconds).toBeCloseTo(serial.rollout.perHostSeconds * 12, 5);
    expect(plan.totalSeconds).toBeLessThanOrEqual(serial.totalSeconds / 3);
    const start = (host: string) => plan.timeline.find((e) => e.host === host)!.atSeconds;
    expect([start('h1'), start('h2'), start('h3')]).toEqual([0, 0, 0]);
    expect(start('h4')).toBe(plan.rollout.perHostSeconds);
    expect(renderPlanText(plan)).toMatch(
      /batches of 3, side by side: h1 h2 h3 \| h4 h5 h6 \| h7 h8 h9 \| h10 h11 h12\n {2}at least 9 targets stay healthy/,
    );
  });
});
