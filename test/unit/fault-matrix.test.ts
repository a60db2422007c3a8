// The fault matrix in the README is generated from the rows and their last recorded sandbox run;
// this keeps the three in step: every row has a result, the result matches what the row documents,
// and the README shows exactly that.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, withMatrix } from '../../scripts/gen-fault-matrix.ts';
import { takeFault } from '../../scripts/sandbox/elbv2/faults.ts';
import { tempDir } from '../helpers/config.ts';
import { ROWS } from '../sandbox/_fault-matrix.ts';

const root = join(import.meta.dirname, '..', '..');

describe('the fault matrix', () => {
  it('has unique rows, each in a sandbox file that runs it', () => {
    expect(new Set(ROWS.map((r) => r.id)).size).toBe(ROWS.length);
    const files = new Set(ROWS.map((r) => r.file));
    for (const n of files) {
      const text = readFileSync(join(root, 'test', 'sandbox', `deploy-faults-matrix-${n}.test.ts`), 'utf8');
      expect(text).toContain(`matrixSuite(${n})`);
    }
  });

  it('every row has a recorded run that ended as the row documents, with 0 failed requests', () => {
    const results = new Map(readResults().map((r) => [r.id, r]));
    for (const row of ROWS) {
      const r = results.get(row.id);
      expect(
        r,
        `no recorded result for ${row.id}: run its sandbox file, then npm run fault-matrix`,
      ).toBeDefined();
      expect([r!.exit, r!.serving, r!.failed], row.id).toEqual([row.exit, row.serving, 0]);
      expect(r!.total, row.id).toBeGreaterThan(0);
    }
  });

  it('the README table is generated from the rows and the results (npm run fault-matrix)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withMatrix(readme));
  });
});

describe("the ELBv2 endpoint's injected faults (faults.json)", () => {
  it('answers an action with the AWS error `times` times, counting down in the file; -1 until removed', () => {
    const file = `${tempDir()}/faults.json`;
    writeFileSync(
      file,
      JSON.stringify([
        { action: 'DeregisterTargets', code: 'Throttling', status: 400, times: 2 },
        { action: 'RegisterTargets', code: 'ServiceUnavailable', status: 503, times: -1 },
      ]),
    );
    const hits = [1, 2, 3].map(() => takeFault(file, 'DeregisterTargets'));
    expect(hits.map((e) => e && [e.status, e.code, e.type])).toEqual([
      [400, 'Throttling', 'Sender'],
      [400, 'Throttling', 'Sender'],
      undefined,
    ]);
    for (let i = 0; i < 5; i++) expect(takeFault(file, 'RegisterTargets')?.status).toBe(503);
    expect(takeFault(file, 'DescribeTargetHealth')).toBeUndefined();
    expect(takeFault(`${file}.missing`, 'RegisterTargets')).toBeUndefined();
  });
});
