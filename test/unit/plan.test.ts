import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { predictBudget } from '../../src/memory/budget.ts';
import { buildPlan, type Facts } from '../../src/plan/plan.ts';
import { renderPlanText } from '../../src/render/plan-text.ts';
import { decideAuto } from '../../src/strategy/auto.ts';
import { runCli } from '../helpers/cli.ts';
import { baseConfig, edit, tempDir, writeConfig } from '../helpers/config.ts';
import { DRAIN_TO_SETTLE } from '../helpers/engine.ts';

const root = join(import.meta.dirname, '..', '..');
const planSchema = JSON.parse(readFileSync(join(root, 'schema/plan.schema.json'), 'utf8'));

function config(input: Record<string, unknown>) {
  const r = validateConfig(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}
const facts = (
  hosts: string[],
  hc = { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 },
): Facts => ({
  hosts,
  healthCheck: { ...hc, source: 'config' },
  deregistrationDelay: { seconds: 300, source: 'config' },
});

describe('buildPlan', () => {
  it('fills the contract with the worked example: wait = 15.1 + 2', () => {
    const plan = buildPlan(config(baseConfig()), facts(['a', 'b']));
    expect(plan.drain.unhealthyAfterSeconds).toEqual({ earliest: 10.1, latest: 15.1 });
    expect(plan.drain.waitSeconds).toBe(17.1);
    expect(plan.drain.readmitAfterSeconds).toBe(10.1);
    expect(plan.drain.comparison).toEqual({
      sleepSeconds: 25,
      savedPerHostSeconds: 7.9,
      savedTotalSeconds: 15.8,
      safe: true,
    });
    expect(plan.warnings).toEqual([]);
  });

  it('stop-first puts stop before build; build-first builds before draining', () => {
    const steps = (strategy: string) =>
      buildPlan(config(edit(baseConfig(), 'strategy', strategy)), facts(['a'])).timeline.map((e) => e.step);
    // The engine uploads before either order (the timeline once left it out for host builds).
    expect(steps('stop-first')).toEqual([
      'preflight',
      'upload',
      'drain',
      'wait',
      'stop',
      'build',
      'start',
      'health',
      'admit',
      'settle',
    ]);
    expect(steps('build-first')).toEqual(['preflight', 'upload', 'build', ...DRAIN_TO_SETTLE]);
  });

  it('timeline entries follow each other per host', () => {
    const plan = buildPlan(config(baseConfig()), facts(['a', 'b']));
    for (let i = 1; i < plan.timeline.length; i++) {
      const prev = plan.timeline[i - 1]!;
      expect(plan.timeline[i]!.atSeconds).toBeCloseTo(prev.atSeconds + prev.durationSeconds, 0);
    }
    expect(plan.timeline.filter((e) => e.host === 'b')[0]!.step).toBe('preflight');
  });

  it('warns about a single target, a short fixed sleep and a long deregistration delay', () => {
    const single = buildPlan(config(edit(baseConfig(), 'drain.compareWithSleepSeconds', 12)), facts(['a']));
    expect(single.warnings.join('\n')).toMatch(/single target: an ALB fails open/);
    expect(single.warnings.join('\n')).toMatch(
      /fixed sleep of 12 s is shorter than the latest unhealthy bound \(15.1 s\)/,
    );
    const dereg = edit(edit(baseConfig(), 'loadBalancer', { targetGroup: 'tg' }), 'drain', {
      mode: 'deregister',
      maxRequestSeconds: 10,
    });
    dereg.hosts = [
      { name: 'a', host: 'x', instanceId: 'i-01' },
      { name: 'b', host: 'y', instanceId: 'i-02' },
    ];
    const plan = buildPlan(config(dereg), facts(['a', 'b']));
    expect(plan.warnings.join('\n')).toMatch(
      /deregistration delay 300 s is far above the longest expected request \(10 s\)/,
    );
    expect(plan.drain.waitSeconds).toBe(12);
  });
});

describe('deploy plan --json', () => {
  it('validates against the checked-in plan schema', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig());
    const { code, stdout, stderr } = await runCli(['plan', '--json'], dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(planSchema);
    const doc = JSON.parse(stdout);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.drain.unhealthyAfterSeconds).toEqual({ earliest: 10.1, latest: 15.1 });
  });

  it('the schema rejects a plan that breaks the contract', () => {
    const validate = new Ajv2020.default({ strict: false }).compile(planSchema);
    const plan = buildPlan(config(baseConfig()), facts(['a']));
    expect(validate(plan)).toBe(true);
    expect(validate({ ...plan, version: 2 })).toBe(false);
    const swapPlan = buildPlan(
      config({
        app: { name: 'demo', ports: [8080, 8081], portEnv: 'PORT' },
        hosts: [{ name: 'a', host: '10.0.0.1', instanceId: 'i-0abc' }],
        loadBalancer: { targetGroup: 'tg' },
        drain: { mode: 'deregister' },
        strategy: 'swap',
      }),
      facts(['a']),
    );
    expect(validate(swapPlan), JSON.stringify(validate.errors)).toBe(true);
    expect(
      validate({
        ...plan,
        timeline: [{ host: 'a', step: 'nap', atSeconds: 0, durationSeconds: 1, note: '' }],
      }),
    ).toBe(false);
  });

  it('strategy auto: the plan carries the choice and why, the schema holds it, the text says it', () => {
    const validate = new Ajv2020.default({ strict: false }).compile(planSchema);
    // What makePlan does once auto has picked: the picked strategy, and the decision beside it.
    const plan = { ...buildPlan(config(baseConfig()), facts(['a'])), strategy: 'swap' as const };
    plan.auto = decideAuto(
      [
        {
          host: 'a',
          input: {
            budget: predictBudget({
              totalMb: 1024,
              usedMb: 300,
              oldJvmMb: 310,
              buildPeakMb: 500,
              newJvmMb: 305,
              warnPercent: 90,
              source: 'cgroup limit',
            }),
            warnPercent: 90,
            otherHealthyTarget: false,
            swapConfigured: true,
          },
        },
      ],
      90,
    );
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    // -10 + 310 + max(500, 305) - 10 (the second JVM's share of the over-count) = 790 MB of 1024: 77.1 %.
    expect(renderPlanText(plan)).toContain(
      'strategy auto picked swap: swap on every host (a: swap: old + new JVM 77.1 % (790 MB) <= 90 %, and the host keeps serving throughout)',
    );
  });

  it('run --dry-run prints the same plan and changes nothing', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig());
    const plan = await runCli(['plan'], dir);
    const dry = await runCli(['run', '--dry-run'], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(plan.stdout.split('\n').slice(0, 12).join('\n'));
    expect(plan.stdout).toMatch(/earliest = \(N-1\)·I \+ d = \(3-1\)·5 \+ 0\.1 = 10\.1 s/);
    expect(plan.stdout).toMatch(/vs sleep 25: 7\.9 s shorter per host/);
  });
});
