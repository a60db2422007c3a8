// The fault matrix in the README is generated from the rows and their last recorded sandbox run;
// this keeps the three in step: every row has a result, the result matches what the row documents,
// and the README shows exactly that.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, withMatrix } from '../../scripts/gen-fault-matrix.ts';
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
