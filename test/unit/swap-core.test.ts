// The pure core of the port swap (issue 14): what `auto` picks and why, and what a swap needs from the target group and the host before anything changes.
import { describe, expect, it } from 'vitest';
import { chooseStrategy, decideAuto } from '../../src/strategy/auto.ts';
import { otherPort, swapProblems } from '../../src/strategy/swap-preflight.ts';

// Budgets as predictBudget gives them for a 1000 MB box (memory-budget.test.ts checks the sums).
const budget = (swap: number) => ({
  baseMb: 200,
  peaks: { 'stop-first': 650, 'build-first': 950, swap: swap * 10 },
  percent: { 'stop-first': 65, 'build-first': 95, swap },
  over: { 'stop-first': false, 'build-first': true, swap: swap > 90 },
});

describe('auto: swap when both JVMs fit, stop-first when another target serves, else refuse', () => {
  const fits = budget(80);
  const tight = budget(95);
  it('picks swap when the overlap fits under warnPercent, with the numbers', () => {
    const c = chooseStrategy({
      budget: fits,
      warnPercent: 90,
      otherHealthyTarget: false,
      swapConfigured: true,
    });
    expect(c).toMatchObject({ strategy: 'swap' });
    expect(c.reasons.join(' ')).toMatch(/80 % .*<= 90 %/);
  });
  it('picks stop-first when the overlap does not fit and another healthy target serves', () => {
    const c = chooseStrategy({
      budget: tight,
      warnPercent: 90,
      otherHealthyTarget: true,
      swapConfigured: true,
    });
    expect(c).toMatchObject({ strategy: 'stop-first' });
    expect(c.reasons.join(' ')).toMatch(/95 % .*> 90 %.*another healthy target/);
  });
  it('picks stop-first without ports configured, when another target serves', () => {
    const c = chooseStrategy({
      budget: fits,
      warnPercent: 90,
      otherHealthyTarget: true,
      swapConfigured: false,
    });
    expect(c).toMatchObject({ strategy: 'stop-first' });
    expect(c.reasons.join(' ')).toMatch(/app\.ports/);
  });
  it('refuses with the numbers and the remedies when neither works', () => {
    const c = chooseStrategy({
      budget: tight,
      warnPercent: 90,
      otherHealthyTarget: false,
      swapConfigured: true,
    });
    expect(c.strategy).toBeUndefined();
    expect(c.reasons.join(' ')).toMatch(/95 % .*> 90 %.*no other healthy target/);
    expect(c.remedies?.join('; ')).toMatch(/cap the heap.*add swap.*build elsewhere.*add an instance/s);
  });
});

describe('auto for the deploy: one strategy for every host', () => {
  const input = (swap: number, otherHealthyTarget: boolean) => ({
    budget: budget(swap),
    warnPercent: 90,
    otherHealthyTarget,
    swapConfigured: true,
  });
  it('swap only when it fits on every host', () => {
    const d = decideAuto(
      [
        { host: 'h1', input: input(80, true) },
        { host: 'h2', input: input(85, true) },
      ],
      90,
    );
    expect(d.strategy).toBe('swap');
    expect(d.hosts.map((h) => [h.host, h.choice, h.swapPercent])).toEqual([
      ['h1', 'swap', 80],
      ['h2', 'swap', 85],
    ]);
  });
  it('stop-first everywhere when one host cannot hold both JVMs and every host has another healthy target', () => {
    const d = decideAuto(
      [
        { host: 'h1', input: input(80, true) },
        { host: 'h2', input: input(95, true) },
      ],
      90,
    );
    expect(d.strategy).toBe('stop-first');
    expect(d.why).toMatch(/h2: swap would not fit: old \+ new JVM 95 % \(950 MB\) > 90 %/);
  });
  it('a single host that cannot hold both JVMs: refused, with its numbers and every remedy', () => {
    const d = decideAuto([{ host: 'h1', input: input(95, false) }], 90);
    expect(d.strategy).toBeUndefined();
    expect(d.hosts[0]).toMatchObject({ host: 'h1', choice: null, swapPercent: 95, stopFirstPercent: 65 });
    expect(d.why).toMatch(/h1: swap would not fit: old \+ new JVM 95 % .*no other healthy target/);
    expect(d.remedies?.join('; ')).toMatch(/cap the heap.*add swap.*build elsewhere.*add an instance/s);
  });
  it('refuses when one host fits the swap but another fits neither', () => {
    const d = decideAuto(
      [
        { host: 'h1', input: input(80, false) },
        { host: 'h2', input: input(95, false) },
      ],
      90,
    );
    expect(d.strategy).toBeUndefined();
    expect(d.why).toMatch(/\(h2: /);
  });
});

describe('what a swap needs before it starts', () => {
  const ok = {
    targetType: 'instance',
    healthCheckPort: 'traffic-port',
    ports: [8080, 8081] as [number, number],
    livePort: 8080,
    listeners: [{ port: 8080, pid: 100 }],
    appPids: [100],
  };
  it('nothing to fix on a host serving on one port of the pair with the other free', () => {
    expect(swapProblems(ok)).toEqual([]);
    expect(otherPort([8080, 8081], 8080)).toBe(8081);
    expect(otherPort([8080, 8081], 8081)).toBe(8080);
  });
  it('refuses an ip target group and a fixed health-check port, each with its fix', () => {
    const p = swapProblems({ ...ok, targetType: 'ip', healthCheckPort: '8080' });
    expect(p.map((x) => x.check)).toEqual(['target-type', 'health-check-port']);
    expect(p[1]?.fix).toMatch(/traffic-port/);
  });
  it('refuses when the other port is held by a process that is not the app, naming the pid', () => {
    const p = swapProblems({ ...ok, listeners: [...ok.listeners, { port: 8081, pid: 777 }] });
    expect(p).toEqual([
      expect.objectContaining({ check: 'port-free', message: expect.stringMatching(/8081.*777/) }),
    ]);
  });
  it('refuses when the live port is not where the old JVM listens', () => {
    const p = swapProblems({ ...ok, livePort: 8081 });
    expect(p.map((x) => x.check)).toEqual(['live-port']);
  });
  it('a live port outside the pair is refused', () => {
    expect(swapProblems({ ...ok, livePort: 9000 }).map((x) => x.check)).toContain('live-port');
  });
});
