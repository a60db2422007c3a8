// One runbook: the plan's steps are the steps the engine executes, for every strategy, build
// location, drain mode and kind (deploy, rollback); and the failure table, row by row, against a
// table written here by hand (docs/failures.md shows the generated one).
import { describe, expect, it } from 'vitest';
import { runbookTables } from '../../src/engine/runbooks.ts';
import { compensationsFor, UNDOS } from '../../src/runbook/failure.ts';
import { type Registry, STEP_REGISTRY, type StepName } from '../../src/runbook/registry.ts';
import { sequence } from '../../src/runbook/sequence.ts';
import { RUNBOOKS, STRATEGIES, type StepSpec } from '../../src/runbook/types.ts';
import { baseConfig, deregisterMode, edit, swapOnOne } from '../helpers/config.ts';
import { planOf, runEngine } from '../helpers/engine.ts';
import { healthyLb, swapHost } from '../helpers/lb.ts';

function configFor(strategy: string, where: string, mode: string) {
  let raw = edit(edit(baseConfig(), 'strategy', strategy), 'app.build', { where });
  if (strategy === 'swap') raw = swapOnOne(raw);
  return mode === 'deregister' ? deregisterMode(raw) : raw;
}

describe('the plan and the engine run the same steps', () => {
  // A swap is a deregister: it moves a target from one port to the other.
  for (const strategy of ['stop-first', 'build-first', 'swap'])
    for (const where of ['host', 'local'])
      for (const mode of strategy === 'swap' ? ['deregister'] : ['termination', 'deregister'])
        for (const kind of ['deploy', 'rollback'] as const)
          it(`${strategy}, build on ${where}, ${mode}, ${kind}`, async () => {
            const raw = configFor(strategy, where, mode);
            const { run, events, plan } = await runEngine({
              config: raw,
              kind,
              // A one-instance swap rolled back the rolling way takes that instance out.
              allowDowntime: strategy === 'swap',
              ...(strategy === 'swap' ? { respond: swapHost } : {}),
              ...(mode === 'deregister' ? { lb: { port: healthyLb(), arn: 'arn:tg' } } : {}),
            });
            expect(run.exitCode, run.error).toBe(0);
            const planned = plan.timeline.filter((e) => e.host === 'a').map((e) => e.step);
            const executed = events.flatMap((e) =>
              e.kind === 'step:start' && e.host === 'a' ? [e.step] : [],
            );
            expect(executed).toEqual(planned);
            expect(planned).toEqual(plan.steps);
            expect(plan.steps).toContain('settle');
            expect(plan.steps.includes('upload')).toBe(kind === 'deploy');
            expect(plan.steps.includes('build')).toBe(kind === 'deploy' && where === 'host');
            // A swap deploy admits the new JVM before the old port drains.
            const swapped = strategy === 'swap' && kind === 'deploy';
            expect(plan.steps.indexOf('admit') < plan.steps.indexOf('drain')).toBe(swapped);
          });

  it("every host of a batch runs the plan's list (the floor gate in front of its drain)", async () => {
    const raw = edit(
      edit(configFor('build-first', 'host', 'termination'), 'rollout', { batchSize: 2 }),
      'hosts',
      [...(baseConfig().hosts as Record<string, unknown>[]), { name: 'c', host: '10.0.0.3' }],
    );
    const { run, events, plan } = await runEngine({ config: raw, allowDowntime: true });
    expect(run.exitCode, run.error).toBe(0);
    expect(plan.rollout.batches).toEqual([['a', 'b'], ['c']]);
    for (const host of ['a', 'b', 'c'])
      expect(events.flatMap((e) => (e.kind === 'step:start' && e.host === host ? [e.step] : []))).toEqual(
        plan.steps,
      );
  });

  it('a config change reaches both (the check can fail): build-first moves the build in plan and run', async () => {
    const plan = planOf(configFor('build-first', 'host', 'termination'), { deregistrationDelaySeconds: 30 });
    expect(plan.steps.indexOf('build')).toBeLessThan(plan.steps.indexOf('drain'));
  });
});

/** Where a registry's runs disagree with its descriptors: an undo the failure table lacks, or the reverse. */
async function halfRegistered(registry: Registry): Promise<string[]> {
  const tables = await runbookTables(registry);
  return RUNBOOKS.flatMap((runbook) =>
    registry.flatMap((spec) => {
      const step = tables[runbook][spec.name as StepName];
      if (!step?.run) return [`${runbook}: ${spec.name} has no run`];
      if (step.name !== spec.name) return [`${runbook}: ${spec.name} runs as ${step.name}`];
      const said = Boolean(spec.undo?.[runbook]);
      return Boolean(step.undo) === said
        ? []
        : [`${runbook}: ${spec.name} ${said ? 'lacks its' : 'has an'} undo`];
    }),
  );
}

describe('every step has its run, and an undo exactly where the failure table says', () => {
  it("the registry's runs and descriptors agree in every runbook", async () => {
    expect(await halfRegistered(STEP_REGISTRY)).toEqual([]);
    for (const runbook of RUNBOOKS)
      expect(Object.keys((await runbookTables())[runbook])).toEqual(STEP_REGISTRY.map((s) => s.name));
  });

  it('the check can fail: a descriptor that promises an undo its runs lack', async () => {
    const half: StepSpec = {
      name: 'half',
      order: { 'stop-first': 95 },
      estimate: () => ({ seconds: 0, note: '' }),
      undo: { rolling: 'put-it-back' },
      runs: async () => ({ rolling: { run: async () => 'ran' }, swap: { run: async () => 'ran' } }),
    };
    expect(await halfRegistered([...STEP_REGISTRY, half])).toEqual(['rolling: half lacks its undo']);
  });

  it("the undo that puts service back (its failure is exit 4) is the drain's, in every runbook", async () => {
    const tables = await runbookTables();
    for (const runbook of RUNBOOKS)
      expect(
        Object.values(tables[runbook])
          .filter((st) => st.restores)
          .map((st) => st.name),
      ).toEqual(['drain']);
  });

  it('no two steps share a rank in an order (the order would depend on the list)', () => {
    for (const order of [...STRATEGIES, 'rollback'] as const) {
      const ranks = STEP_REGISTRY.flatMap((s) => (s.order[order] === undefined ? [] : [s.order[order]]));
      expect(new Set(ranks).size, order).toBe(ranks.length);
    }
  });
});

// Written by hand from docs/failures.md's rules (not from the function): after a failure at the
// step on the left, these undos run, in this order.
const STOP_FIRST: Partial<Record<StepName, string>> = {
  preflight: '',
  upload: 'upload',
  drain: 'drain upload',
  wait: 'drain upload',
  stop: 'drain upload',
  build: 'build drain upload',
  start: 'start build drain upload',
  health: 'health start build drain upload',
  admit: 'health start build drain upload',
  settle: 'health start build drain upload',
};
const BUILD_FIRST: Partial<Record<StepName, string>> = {
  preflight: '',
  upload: 'upload',
  build: 'build upload',
  drain: 'drain build upload',
  wait: 'drain build upload',
  stop: 'drain build upload',
  start: 'start drain build upload',
  health: 'health start drain build upload',
  admit: 'health start drain build upload',
  settle: 'health start drain build upload',
};
// A swap: before the old port is deregistered the new port is taken out and the new JVM stopped
// (the old one never stopped serving); once it has been, the old port is restored first.
const SWAP: Partial<Record<StepName, string>> = {
  preflight: '',
  upload: 'upload',
  build: 'build upload',
  start: 'start build upload',
  health: 'start build upload',
  admit: 'admit start build upload',
  settle: 'admit start build upload',
  drain: 'drain admit start build upload',
  wait: 'drain admit start build upload',
  stop: 'drain admit start build upload',
};
const ROLLBACK: Partial<Record<StepName, string>> = {
  preflight: '',
  drain: 'drain',
  wait: 'drain',
  stop: 'drain',
  start: 'start drain',
  health: 'health start drain',
  admit: 'health start drain',
  settle: 'health start drain',
};

describe('the failure table, row by row', () => {
  const cases = [
    ['stop-first', sequence({ strategy: 'stop-first', buildWhere: 'host', kind: 'deploy' }), STOP_FIRST],
    ['build-first', sequence({ strategy: 'build-first', buildWhere: 'host', kind: 'deploy' }), BUILD_FIRST],
    ['rollback', sequence({ strategy: 'stop-first', buildWhere: 'host', kind: 'rollback' }), ROLLBACK],
    ['swap', sequence({ strategy: 'swap', buildWhere: 'host', kind: 'deploy' }), SWAP],
  ] as const;
  for (const [name, steps, table] of cases)
    it(name, () => {
      const runbook = name === 'swap' ? 'swap' : 'rolling';
      expect(Object.keys(table).sort()).toEqual([...steps].sort());
      for (const at of steps)
        expect(
          compensationsFor(at, steps, runbook)
            .map((c) => c.step)
            .join(' '),
          `failure at ${at}`,
        ).toBe(table[at]);
    });

  it('the drain undo is the restore, and nothing runs before any step', () => {
    expect(UNDOS.rolling.drain).toBe('restore');
    expect(compensationsFor(undefined, STEP_ORDER)).toEqual([]);
    expect(() => compensationsFor('build', ['preflight', 'drain'])).toThrow(RangeError);
  });
});

const STEP_ORDER = sequence({ strategy: 'stop-first', buildWhere: 'host', kind: 'deploy' });
