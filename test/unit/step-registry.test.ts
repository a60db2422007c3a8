// Adding a step is one registry entry plus its new files (docs/architecture.md, "Steps"): a
// throwaway step, registered in a copy of the registry, reaches the plan's order and timeline, the
// engine's runbook tables and what it executes (its undo too), the failure table, the plan
// schema's step enum and docs/contracts.md's orders, without a change anywhere else. And each
// registry's modules are reached through it alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFailureTable, withPlanEnums, withStepOrders } from '../../scripts/gen-schema.ts';
import { runbookTables } from '../../src/engine/runbooks.ts';
import { type Registry, STEP_REGISTRY } from '../../src/runbook/registry.ts';
import { sequence } from '../../src/runbook/sequence.ts';
import { defineStep } from '../../src/runbook/types.ts';
import { baseConfig } from '../helpers/config.ts';
import { planOf, runEngine } from '../helpers/engine.ts';
import { root } from '../helpers/sources.ts';

// A smoke test against the new JVM once it is admitted, before the settle; its undo pages someone.
const ran: string[] = [];
const smoke = defineStep({
  name: 'smoke',
  order: { 'stop-first': 95, 'build-first': 95, swap: 95, rollback: 95 },
  estimate: () => ({ seconds: 2, note: 'bound: two requests through the load balancer' }),
  undo: { rolling: 'page-someone', swap: 'page-someone' },
  runs: async () => {
    const step = {
      run: async (ctx: { host: { name: string } }) => {
        ran.push(`run ${ctx.host.name}`);
        if (ctx.host.name === 'b') throw new Error('smoke test failed');
        return 'smoke test passed';
      },
      undo: async (ctx: { host: { name: string } }) => {
        ran.push(`undo ${ctx.host.name}`);
      },
    };
    return { rolling: step, swap: step };
  },
});
const REGISTRY: Registry = [...STEP_REGISTRY, smoke];

describe('a step of its own, registered in a copy of the registry', () => {
  it("the plan's order and timeline take it at its place, with its estimate", () => {
    const plan = planOf(baseConfig(), { hosts: ['a', 'b'], registry: REGISTRY });
    expect(plan.steps.slice(-3)).toEqual(['admit', 'smoke', 'settle']);
    const entry = plan.timeline.find((e) => e.host === 'a' && e.step === ('smoke' as never));
    expect(entry).toMatchObject({
      durationSeconds: 2,
      note: 'bound: two requests through the load balancer',
    });
    // The registry itself is untouched: the real plan has no such step.
    expect(planOf(baseConfig()).steps).not.toContain('smoke');
    expect(sequence({ strategy: 'swap', buildWhere: 'host', kind: 'deploy' }, REGISTRY).at(-5)).toBe('smoke');
  });

  it("the engine's runbook tables hold its runs, and the engine executes it and its undo", async () => {
    const tables = await runbookTables(REGISTRY);
    expect(tables.rolling['smoke' as never]).toMatchObject({ name: 'smoke' });
    expect(tables.swap['smoke' as never]).toMatchObject({ name: 'smoke' });
    ran.length = 0;
    const { run, events } = await runEngine({ registry: REGISTRY });
    expect(run.exitCode).toBe(1);
    const started = (host: string) =>
      events.flatMap((e) => (e.kind === 'step:start' && e.host === host ? [e.step] : []));
    expect(started('a')).toContain('smoke');
    // b failed at smoke: its own undo ran first (newest first), then the restore's steps.
    expect(ran).toEqual(['run a', 'run b', 'undo b']);
    const undos = run.hosts
      .find((h) => h.name === 'b')
      ?.outcome.steps.filter((s) => s.name.startsWith('undo:'));
    expect(undos?.map((s) => s.name)).toEqual([
      'undo:smoke',
      'undo:health',
      'undo:start',
      'undo:build',
      'undo:drain',
      'undo:upload',
    ]);
  });

  it("the failure table, the plan schema's step enum and contracts.md's orders list it", () => {
    const failures = withFailureTable(readFileSync(join(root, 'docs/failures.md'), 'utf8'), REGISTRY);
    expect(failures).toContain(
      '| smoke | `undo:smoke` (page-someone), `undo:health` (withdraw-new-jvm), `undo:start`',
    );
    expect(failures).toMatch(/\| settle \| `undo:smoke` \(page-someone\), `undo:health`/);
    const schema = withPlanEnums(readFileSync(join(root, 'schema/plan.schema.json'), 'utf8'), REGISTRY);
    expect(JSON.parse(schema).properties.steps.items.enum).toContain('smoke');
    const orders = withStepOrders(readFileSync(join(root, 'docs/contracts.md'), 'utf8'), REGISTRY);
    expect(orders).toContain('`admit`, `smoke`, `settle` |');
  });
});

/** The relative specifiers a file imports, statically (`from '...'`) and lazily (`import('...')`). */
function imports(file: string): { static: string[]; lazy: string[] } {
  const text = readFileSync(join(root, file), 'utf8');
  return {
    static: [...text.matchAll(/from\s+'(\.[^']+)'/g)].map((m) => m[1]!),
    lazy: [...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => m[1]!),
  };
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

describe("the registry's modules are reached through it alone", () => {
  const descriptors = readdirSync(join(root, 'src/runbook/steps'));
  const runs = readdirSync(join(root, 'src/engine/steps'));

  it("every runs module is loaded by its step's descriptor, lazily, and by nothing else", () => {
    const lazy = descriptors.flatMap((d) =>
      imports(`src/runbook/steps/${d}`).lazy.map((s) => s.replace('../../engine/', '')),
    );
    expect(lazy.filter((s) => s.startsWith('steps/')).sort()).toEqual(runs.map((r) => `steps/${r}`).sort());
    const staticUse = sources('src').filter((f) =>
      imports(f).static.some((s) => /engine\/steps\/|^\.\/steps\//.test(s)),
    );
    expect(staticUse.filter((f) => !f.startsWith('src/runbook/'))).toEqual([]);
  });

  it('the plan (src/plan, src/runbook) imports nothing of the engine or the executors but types', () => {
    const pure = [...sources('src/plan'), ...sources('src/runbook')];
    const impure = pure.flatMap((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)]
        .map((m) => m[1]!)
        .filter(
          (s) => /\/(engine|executors|transports|aws)\//.test(s) || /^\.\.\/(engine|executors)\b/.test(s),
        )
        .map((s) => `${f}: ${s}`);
    });
    expect(impure).toEqual([]);
  });
});
