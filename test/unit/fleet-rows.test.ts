// bench/fleet.ts's README rows from its raw samples: one per run, then how time and the laptop's
// cost grow with the fleet. Expected figures worked out by hand from the samples below.
import { describe, expect, it } from 'vitest';
import { type FleetSample, fleetRows, fleetSummary } from '../../bench/lib/fleet-rows.ts';

const sample = (hosts: number, batchSize: number | string, totalS: number, cliCpuS: number, rss: number) =>
  ({
    hosts,
    batchSize,
    totalS,
    cliCpuS,
    cliPeakRssMiB: rss,
    perHostMedianS: 13,
    requests: 1000,
    failed: 0,
  }) satisfies FleetSample;

const samples = [
  sample(4, 1, 60, 2, 110),
  sample(4, '50%', 36, 1.8, 112),
  sample(12, 1, 180, 6, 118),
  sample(12, '25%', 60, 4.8, 121),
];

describe('fleet bench rows', () => {
  it('one row per run, then time and the laptop as the fleet grows', () => {
    const rows = fleetRows(samples);
    expect(rows.map((r) => r.what)).toEqual([
      '4 hosts, batch 1 (sandbox, ALB model, 40 req/s)',
      '4 hosts, batch 50% (sandbox, ALB model, 40 req/s)',
      '12 hosts, batch 1 (sandbox, ALB model, 40 req/s)',
      '12 hosts, batch 25% (sandbox, ALB model, 40 req/s)',
      'time as the fleet grows (4 / 12 hosts, sandbox)',
      'what the laptop pays as the fleet grows (4 / 12 hosts, every batch size)',
    ]);
    expect(rows[1]!.figure).toBe(
      '36 s total (0.60 of one at a time), 13 s per host, CLI 1.8 s CPU and 112 MiB peak RSS; 0 failed of 1000',
    );
    expect(rows[4]!.figure).toBe(
      'one at a time 60 / 180 s; batches of 50% 36 / - s; batches of 25% - / 60 s',
    );
    // CPU per host: 0.5, 0.45, 0.5, 0.4 -> median (upper) 0.5; core share at most 4.8 / 60 = 8 %.
    expect(rows[5]!.figure).toBe(
      'CLI 0.5 s CPU per host deployed (median), 110-121 MiB peak RSS at every size, at most 8 % of one core',
    );
  });

  it('the summary says whether 12 hosts in batches of 25 % took at most a third of one at a time', () => {
    expect(fleetSummary(samples)).toMatchObject({ quarterOverSerial12: 0.33, atMostAThird: true });
    expect(fleetSummary([samples[2]!, { ...samples[3]!, totalS: 61 }])).toMatchObject({
      atMostAThird: false,
    });
  });

  it('a single fleet size has no growth rows', () => {
    expect(fleetRows(samples.slice(0, 2))).toHaveLength(2);
  });
});
