import { describe, expect, it } from 'vitest';
import { MAX_FAILURE_LINES, whyFailed } from '../../scripts/test-report.ts';

const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
const VITEST_OUTPUT = [
  ' RUN  v3 /work/main',
  ' ✓ passes one',
  red(' × agrees with the cgroup files'),
  '⎯⎯⎯ Failed Tests 1 ⎯⎯⎯',
  ' FAIL  sandbox  test/sandbox/sampler.test.ts > agrees with the cgroup files',
  red('AssertionError: expected 1212 to be less than or equal to 1126'),
  ' ❯ test/sandbox/sampler.test.ts:153:30',
  '',
  ' Test Files  1 failed (1)',
  '      Tests  1 failed | 8 passed (9)',
].join('\n');

describe('why a sandbox file failed, repeated at the end of npm test', () => {
  it('keeps the failure section, without colours, and leaves out the run before and the counts after', () => {
    const text = whyFailed('test/sandbox/sampler.test.ts', '2', VITEST_OUTPUT);
    expect(text.split('\n').filter(Boolean)).toEqual([
      '===== why test/sandbox/sampler.test.ts failed (lane 2)',
      '⎯⎯⎯ Failed Tests 1 ⎯⎯⎯',
      ' FAIL  sandbox  test/sandbox/sampler.test.ts > agrees with the cgroup files',
      'AssertionError: expected 1212 to be less than or equal to 1126',
      ' ❯ test/sandbox/sampler.test.ts:153:30',
    ]);
  });

  it('shows the last lines of a file that died without a failure section', () => {
    const output = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const lines = whyFailed('x.test.ts', '1', output).trim().split('\n');
    expect(lines[0]).toBe('===== why x.test.ts failed (lane 1), 40 lines left out');
    expect(lines.slice(1)).toHaveLength(MAX_FAILURE_LINES);
    expect(lines.at(-1)).toBe('line 99');
    expect(lines[1]).toBe('line 40');
  });
});
