// HAProxy's check schedule, re-measured: the drain test predicts with HAPROXY_CHECK_SCHEDULE, so if
// another HAProxy version schedules differently this fails and says which way.
import { expect, it } from 'vitest';
import { measureCheckSchedule } from '../../scripts/sandbox/check-schedule.ts';
import { HAPROXY_CHECK_SCHEDULE } from '../../scripts/sandbox/haproxy.ts';
import { sandboxDescribe } from './_env.ts';

sandboxDescribe('HAProxy health-check schedule', () => {
  it(`follows the ${HAPROXY_CHECK_SCHEDULE} schedule`, async () => {
    const r = await measureCheckSchedule({ intervalMs: 600, responseMs: 300, checksPerPhase: 5 });
    console.log(`[check-schedule] ${JSON.stringify(r)}`);
    const period = HAPROXY_CHECK_SCHEDULE === 'fixed-rate' ? r.intervalMs : r.intervalMs + r.responseMs;
    for (const phase of [r.passing, r.failing]) {
      expect(phase.gapsMs.length).toBeGreaterThanOrEqual(4);
      expect(Math.abs(phase.meanGapMs - period)).toBeLessThan(r.responseMs / 4);
    }
    expect(r.model).toBe(HAPROXY_CHECK_SCHEDULE);
  });
});
