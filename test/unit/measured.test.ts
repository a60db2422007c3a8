// The README's "Measured" table is generated from bench/results/*.json: this fails when a figure is
// typed by hand, when a results file changed without `npm run measured`, or when a committed results
// file lacks what makes a figure traceable (machine, commit, date, raw samples).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineFacts, type Results } from '../../bench/lib/results.ts';
import {
  checkResults,
  END,
  loadResults,
  measuredTable,
  START,
  withMeasured,
} from '../../scripts/gen-measured.ts';

const root = join(import.meta.dirname, '..', '..');
const readme = () => readFileSync(join(root, 'README.md'), 'utf8');

function sample(over: Partial<Results> = {}): Results {
  return {
    bench: 'plan',
    version: 1,
    machine: machineFacts(),
    commit: '0123456789abcdef0123456789abcdef01234567',
    dirty: false,
    date: '2026-01-02T03:04:05.000Z',
    smoke: false,
    settings: { runs: 3 },
    samples: [{ ms: 180 }],
    summary: { medianMs: 180 },
    readme: [{ what: 'plan wall time', figure: 'median 180 ms', how: 'node bench/plan.ts' }],
    ...over,
  };
}

describe('README "Measured" table', () => {
  it('is exactly what bench/results/*.json generate', () => {
    const text = readme();
    expect(text).toContain(START);
    expect(text).toContain(END);
    expect(text).toBe(withMeasured(text, loadResults()));
  });

  it('changes when a results file does (a hand-edited figure fails the first test)', () => {
    const text = withMeasured(readme(), [sample()]);
    expect(text).toContain(
      '| plan wall time | median 180 ms | `node bench/plan.ts` | [plan.json](bench/results/plan.json): 2026-01-02, 0123456,',
    );
    const edited = text.replace('median 180 ms', 'median 90 ms');
    expect(edited).not.toBe(withMeasured(edited, [sample()]));
  });

  it('refuses a results file that cannot be traced or is a smoke run', () => {
    const bad = (o: Record<string, unknown>) => () => checkResults('plan.json', { ...sample(), ...o });
    expect(bad({ commit: undefined })).toThrow("bench/results/plan.json: missing 'commit'");
    expect(bad({ machine: { cpus: 2 } })).toThrow("missing 'machine.cpuModel'");
    expect(bad({ samples: [] })).toThrow('no raw samples');
    expect(bad({ smoke: true })).toThrow('a smoke run');
    expect(bad({ bench: 'deploy' })).toThrow("'bench' is 'deploy', not the file name");
    expect(bad({ readme: [{ what: 'x', figure: '', how: 'y' }] })).toThrow('readme[0].figure is empty');
    expect(checkResults('plan.json', sample()).bench).toBe('plan');
  });

  it('escapes pipes in figures so a row stays one row', () => {
    const t = measuredTable([sample({ readme: [{ what: 'a|b', figure: '1 | 2', how: 'x' }] })]);
    expect(t.split('\n')[2]).toMatch(/^\| a\\\|b \| 1 \\\| 2 \| /);
  });
});
