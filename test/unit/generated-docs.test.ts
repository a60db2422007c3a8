// The editor JSON Schema and the README's configuration reference are generated from the zod
// schema; this fails when someone changes the schema without `npm run schema`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFailureTable, withPlanEnums, withReference, withStepOrders } from '../../scripts/gen-schema.ts';
import { configJsonSchema } from '../../src/config/reference.ts';

const root = join(import.meta.dirname, '..', '..');

describe('generated docs are current', () => {
  it('schema/deploy-config.schema.json', () => {
    const onDisk = JSON.parse(readFileSync(join(root, 'schema/deploy-config.schema.json'), 'utf8'));
    expect(onDisk).toEqual(configJsonSchema());
  });
  it('the plan schema enums and the failure table in docs/failures.md', () => {
    const plan = readFileSync(join(root, 'schema/plan.schema.json'), 'utf8');
    expect(plan).toBe(withPlanEnums(plan));
    expect(withPlanEnums(plan.replace('"settle"]', '"settle", "gone"]'))).toBe(plan);
    const failures = readFileSync(join(root, 'docs/failures.md'), 'utf8');
    expect(failures).toBe(withFailureTable(failures));
    expect(failures).toContain(
      '| build | `undo:build` (kill-build), `undo:drain` (restore), `undo:upload` (remove-release) |',
    );
  });

  it("docs/contracts.md's step orders (section 1)", () => {
    const contracts = readFileSync(join(root, 'docs/contracts.md'), 'utf8');
    expect(contracts).toBe(withStepOrders(contracts));
    expect(withStepOrders(contracts.replace('`admit`, `settle` |', '`settle`, `admit` |'))).toBe(contracts);
  });

  it('README configuration reference', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withReference(readme));
    expect(readme).toContain('| `loadBalancer.healthCheck.timeoutSeconds` |');
  });
});
