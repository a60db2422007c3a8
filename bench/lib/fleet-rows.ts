// bench/fleet.ts's figures from its raw samples: one row per run, and how the cost grows with the
// fleet (the time one at a time and in batches, what the CLI pays per host, the share of one core
// it takes). Kept apart from the bench so the rows can be recomputed from a committed results
// file (`node bench/fleet.ts --rows`) and checked by a unit test.
import type { ReadmeRow } from './results.ts';
import { median, minMax, ratio, round } from './stats.ts';

export type FleetSample = {
  hosts: number;
  batchSize: number | string;
  totalS: number;
  cliCpuS: number;
  cliPeakRssMiB: number;
  perHostMedianS: number;
  requests: number;
  failed: number;
};

const HOW = 'node bench/fleet.ts';

export function fleetRows(samples: FleetSample[]): ReadmeRow[] {
  const serial = (hosts: number) => samples.find((s) => s.hosts === hosts && s.batchSize === 1);
  const runs = samples.map((s) => {
    const one = serial(s.hosts);
    const vs =
      one && s.batchSize !== 1 ? ` (${ratio(s.totalS, one.totalS).toFixed(2)} of one at a time)` : '';
    return {
      what: `${s.hosts} hosts, batch ${s.batchSize} (sandbox, ALB model, 40 req/s)`,
      figure: `${s.totalS.toFixed(0)} s total${vs}, ${s.perHostMedianS} s per host, CLI ${s.cliCpuS.toFixed(1)} s CPU and ${s.cliPeakRssMiB.toFixed(0)} MiB peak RSS; 0 failed of ${s.requests}`,
      how: HOW,
    };
  });
  return [...runs, ...growthRows(samples)];
}

/** How time and the laptop's cost grow with the fleet, over every size measured. */
function growthRows(samples: FleetSample[]): ReadmeRow[] {
  const sizes = [...new Set(samples.map((s) => s.hosts))].sort((a, b) => a - b);
  if (sizes.length < 2) return [];
  const batchSizes = [...new Set(samples.map((s) => s.batchSize))];
  const totals = (b: number | string) =>
    sizes
      .map((n) => samples.find((s) => s.hosts === n && s.batchSize === b)?.totalS.toFixed(0) ?? '-')
      .join(' / ');
  const time = batchSizes
    .map((b) => `${b === 1 ? 'one at a time' : `batches of ${b}`} ${totals(b)} s`)
    .join('; ');
  const [rssMin, rssMax] = minMax(samples.map((s) => s.cliPeakRssMiB));
  const cpuPerHost = median(samples.map((s) => s.cliCpuS / s.hosts));
  const core = Math.max(...samples.map((s) => s.cliCpuS / s.totalS));
  return [
    {
      what: `time as the fleet grows (${sizes.join(' / ')} hosts, sandbox)`,
      figure: time,
      how: HOW,
    },
    {
      what: `what the laptop pays as the fleet grows (${sizes.join(' / ')} hosts, every batch size)`,
      figure: `CLI ${round(cpuPerHost, 2)} s CPU per host deployed (median), ${rssMin.toFixed(0)}-${rssMax.toFixed(0)} MiB peak RSS at every size, at most ${Math.round(core * 100)} % of one core`,
      how: HOW,
    },
  ];
}

export function fleetSummary(samples: FleetSample[]): Record<string, unknown> {
  const big = Math.max(...samples.map((s) => s.hosts));
  const at = (b: number | string) => samples.find((s) => s.hosts === big && s.batchSize === b);
  const serialBig = at(1);
  const quarterBig = at('25%');
  return {
    ...(serialBig && quarterBig
      ? {
          [`quarterOverSerial${big}`]: ratio(quarterBig.totalS, serialBig.totalS),
          atMostAThird: quarterBig.totalS <= serialBig.totalS / 3,
        }
      : {}),
    cliCpuSPerHost: round(median(samples.map((s) => s.cliCpuS / s.hosts)), 3),
    cliPeakRssMiBMax: Math.max(...samples.map((s) => s.cliPeakRssMiB)),
    cliCoreShareMax: round(Math.max(...samples.map((s) => s.cliCpuS / s.totalS)), 3),
  };
}
