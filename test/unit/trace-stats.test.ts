// bench/transport.ts's attribution of traced commands to steps, on hand-made traces.
import { describe, expect, it } from 'vitest';
import {
  attribute,
  latency,
  OUTSIDE,
  stepOf,
  stepSeconds,
  traceFigures,
} from '../../bench/lib/trace-stats.ts';
import type { TraceLine } from '../../src/executors/traced.ts';

const T = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (s: number) => new Date(T + s * 1000).toISOString();
const report = {
  hosts: [
    {
      name: 'h1',
      steps: [
        { name: 'preflight', startedAt: iso(0), endedAt: iso(2) },
        { name: 'build', startedAt: iso(2), endedAt: iso(10) },
      ],
    },
    { name: 'h2', steps: [{ name: 'preflight', startedAt: iso(10), endedAt: iso(12) }] },
  ],
};
const line = (
  host: string,
  kind: string,
  atS: number,
  ms: number,
  via: TraceLine['via'] = 'run',
): TraceLine => ({
  host,
  transport: 'ssm',
  via,
  kind,
  at: T + atS * 1000,
  ms,
  code: 0,
});

describe('trace figures', () => {
  it('puts a command under the step it started in, on its own host; else between steps', () => {
    expect(stepOf(line('h1', 'state.read', 1, 90), report)).toBe('preflight');
    expect(stepOf(line('h1', 'build.run', 3, 90), report)).toBe('build');
    expect(stepOf(line('h2', 'state.read', 3, 90), report)).toBe(OUTSIDE);
    expect(stepOf(line('h1', 'lock.release', 11, 90), report)).toBe(OUTSIDE);
  });

  it('median and p90 per step and per kind; a stream counts as a call, not a latency', () => {
    const lines = [
      ...[100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((ms, i) =>
        line('h1', 'state.read', 0.1 * i, ms),
      ),
      line('h1', 'build.run', 3, 5000),
      line('h1', 'sampler', 0, 60_000, 'stream'),
    ];
    const f = traceFigures(attribute(lines, report));
    expect(f.calls).toBe(12);
    expect(f.all.commands).toBe(11);
    expect(f.byStep.preflight).toEqual({ commands: 10, medianMs: 600, p90Ms: 1000 });
    expect(f.byStep.build).toEqual({ commands: 1, medianMs: 5000, p90Ms: 5000 });
    expect(f.byKind.sampler).toBeUndefined();
    expect(latency([])).toMatchObject({ commands: 0 });
  });

  it('step durations per host in seconds, undo steps left out', () => {
    const r = {
      hosts: [
        {
          name: 'h1',
          steps: [...report.hosts[0]!.steps, { name: 'undo:build', startedAt: iso(10), endedAt: iso(11) }],
        },
      ],
    };
    expect(stepSeconds(r)).toEqual({ preflight: [2], build: [8] });
  });
});
