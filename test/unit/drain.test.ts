import { describe, expect, it } from 'vitest';
import {
  deregistrationWindow,
  readmitWindow,
  recommendedWait,
  unhealthyWindow,
} from '../../src/plan/drain.ts';

const example = { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 };
const albDefaults = { intervalSeconds: 30, timeoutSeconds: 5, unhealthyThreshold: 2, healthyThreshold: 5 };

describe('unhealthyWindow, fixed-rate (AWS documented)', () => {
  it('I=5 T=2 N=3 with fast 502s (d=0.1) gives 10.1 s to 15.1 s', () => {
    const w = unhealthyWindow(example, { responseSeconds: 0.1 });
    expect([w.earliest, w.latest, w.d, w.model]).toEqual([10.1, 15.1, 0.1, 'fixed-rate']);
  });
  it('failing checks that take the full timeout (d=2) give 12 s to 17 s', () => {
    const w = unhealthyWindow(example, { responseSeconds: 2 });
    expect([w.earliest, w.latest]).toEqual([12, 17]);
  });
  it('caps d at the timeout: a hanging endpoint is recorded at T', () => {
    const w = unhealthyWindow(example, { responseSeconds: 60 });
    expect([w.d, w.earliest, w.latest]).toEqual([2, 12, 17]);
  });
  it('ALB defaults (I=30 T=5 N=2) give [35, 65) when checks time out', () => {
    const w = unhealthyWindow(albDefaults, { responseSeconds: 5 });
    expect([w.earliest, w.latest]).toEqual([35, 65]);
  });
});

describe('unhealthyWindow, fixed-delay (the field write-up)', () => {
  it('gives earliest 10.3 s with d=0.1 and 16 s with d=2', () => {
    expect(unhealthyWindow(example, { responseSeconds: 0.1, model: 'fixed-delay' }).earliest).toBe(10.3);
    expect(unhealthyWindow(example, { responseSeconds: 2, model: 'fixed-delay' }).earliest).toBe(16);
  });
  it('latest = N·I + d_ok + N·d: 15.4 s with fast checks, 21-23 s when failing checks take 2 s', () => {
    expect(unhealthyWindow(example, { responseSeconds: 0.1, model: 'fixed-delay' }).latest).toBe(15.4);
    expect(
      unhealthyWindow(example, { responseSeconds: 2, okResponseSeconds: 0, model: 'fixed-delay' }).latest,
    ).toBe(21);
    expect(
      unhealthyWindow(example, { responseSeconds: 2, okResponseSeconds: 2, model: 'fixed-delay' }).latest,
    ).toBe(23);
  });
});

describe('readmitWindow', () => {
  it('health flip with H=2 I=5 d=0.1 gives 5.1 s to 10.1 s', () => {
    const w = readmitWindow({ ...example }, { okResponseSeconds: 0.1, kind: 'health-flip' });
    expect([w.earliest, w.latest]).toEqual([5.1, 10.1]);
  });
  it('ALB defaults (H=5 I=30) give [120+d, 150+d)', () => {
    const w = readmitWindow(albDefaults, { okResponseSeconds: 0.1, kind: 'health-flip' });
    expect([w.earliest, w.latest]).toEqual([120.1, 150.1]);
  });
  it('a new registration may pass after one check but is bounded by H checks', () => {
    const w = readmitWindow(example, { okResponseSeconds: 0.1, kind: 'new-registration' });
    expect([w.earliest, w.latest]).toEqual([0.1, 10.1]);
  });
});

describe('deregistration and the recommended wait', () => {
  it('drain ends with the longest request, bounded by the delay', () => {
    expect(deregistrationWindow({ delaySeconds: 300, maxRequestSeconds: 30 })).toEqual({
      earliest: 0,
      latest: 30,
    });
    expect(deregistrationWindow({ delaySeconds: 10, maxRequestSeconds: 30 })).toEqual({
      earliest: 0,
      latest: 10,
    });
  });
  it('wait = latest + margin', () => {
    expect(recommendedWait({ earliest: 10.1, latest: 15.1 }, 2)).toBe(17.1);
    expect(() => recommendedWait({ earliest: 0, latest: 1 }, -1)).toThrow(/marginSeconds/);
  });
});

describe('invalid input is rejected', () => {
  it.each([
    [{ ...example, timeoutSeconds: 5 }, /timeoutSeconds \(5\) must be below intervalSeconds \(5\)/],
    [{ ...example, timeoutSeconds: 6 }, /below intervalSeconds/],
    [{ ...example, unhealthyThreshold: 1 }, /unhealthyThreshold must be an integer from 2 to 10/],
    [{ ...example, unhealthyThreshold: 11 }, /unhealthyThreshold/],
    [{ ...example, healthyThreshold: 1 }, /healthyThreshold/],
    [{ ...example, healthyThreshold: 2.5 }, /healthyThreshold/],
    [{ ...example, intervalSeconds: 0 }, /intervalSeconds must be a positive number/],
  ])('%j', (hc, message) => {
    expect(() => unhealthyWindow(hc, { responseSeconds: 0.1 })).toThrow(message);
  });
  it('negative response time', () => {
    expect(() => unhealthyWindow(example, { responseSeconds: -1 })).toThrow(/responseSeconds/);
  });
});
