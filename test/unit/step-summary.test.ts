// GitHub's step summary: appended to $GITHUB_STEP_SUMMARY with the timeline, the drain math, the
// memory figures and a Mermaid chart small enough to render; nothing outside Actions.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { analyzeMemory } from '../../src/memory/analysis.ts';
import { buildPlan } from '../../src/plan/plan.ts';
import { appendStepSummary } from '../../src/report/github-summary.ts';
import { bucketSeries } from '../../src/report/memory-mermaid.ts';
import { buildReport } from '../../src/report/report.ts';
import type { MemorySample } from '../../src/sampler/parse.ts';
import { baseConfig, tempDir } from '../helpers/config.ts';
import { runEngine } from '../helpers/engine.ts';

const withPrevious = (_host: string, cmd: { kind: string }) =>
  cmd.kind === 'state.read' ? { stdout: 'current=r1\npid=4242\nstate=alive\n' } : undefined;

// Two hosts sampled at 1 Hz for 300 s; a's peak (91.5 %) lasts one sample, old and new JVM
// overlap for 4 s on b.
function series(): MemorySample[] {
  const out: MemorySample[] = [];
  for (const host of ['a', 'b'])
    for (let t = 0; t < 300; t++)
      out.push({
        t,
        host,
        step: t < 100 ? 'wait' : t < 200 ? 'build' : 'health',
        usedPercent: host === 'a' && t === 137 ? 91.5 : host === 'a' ? 40 : 55,
        swapUsedPercent: 0,
        source: 'cgroup',
        usedKb: 1,
        totalKb: 2,
        ...(host === 'b' && t >= 200 && t < 204 ? { oldRssKb: 1000, newRssKb: 2000 } : {}),
      });
  return out;
}

async function fixture() {
  const parsed = validateConfig(baseConfig());
  if (!parsed.ok) throw new Error('base config invalid');
  const plan = buildPlan(parsed.config, {
    hosts: ['a', 'b'],
    healthCheck: { ...parsed.config.loadBalancer.healthCheck!, source: 'config' },
    deregistrationDelay: { seconds: 300, source: 'config' },
  });
  const { run } = await runEngine({ respond: withPrevious });
  const memory = analyzeMemory(series(), { intervalSeconds: 1 });
  const meta = {
    app: 'demo',
    releaseId: 'r2',
    strategy: 'stop-first',
    drainMode: 'termination',
    dryRun: false,
  };
  const report = buildReport(run, meta, { ...memory, samples: memory.samples as never });
  return { plan, report, memory };
}

describe('appendStepSummary', () => {
  it('appends the timeline, drain math, memory figures and a Mermaid xychart', async () => {
    const { plan, report, memory } = await fixture();
    const dir = tempDir();
    const file = join(dir, 'step_summary.md');
    writeFileSync(file, 'an earlier step wrote this\n');
    const env = {
      GITHUB_STEP_SUMMARY: file,
      GITHUB_WORKSPACE: dir,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'me/app',
      GITHUB_RUN_ID: '42',
    };
    expect(appendStepSummary(env, report, memory, { plan, reportDir: join(dir, 'deploy-report') })).toBe(
      true,
    );
    const md = readFileSync(file, 'utf8');
    expect(md.startsWith('an earlier step wrote this\n## handoff: demo r2 deployed')).toBe(true);
    // timeline table: header and one row per step per host
    expect(md).toContain('| host | step | started | took | ok | detail |');
    expect(md).toMatch(/^\| a \| build \| \d\d:\d\d:\d\d \| [\d.]+ s \| yes \|/m);
    expect(md).toMatch(/^\| b \| settle \|/m);
    // drain math with the numbers of the plan (I=5, N=3, d=0.1, margin 2) and the sleep it replaces
    expect(md).toMatch(
      /\| unhealthy window \(fixed-rate\) \| \(N-1\)·I \+ d to N·I \+ d \| 10\.1 to 15\.1 \|/,
    );
    expect(md).toMatch(/\| wait before stopping \| latest \+ margin = 15\.1 \+ 2 \| 17\.1 \|/);
    expect(md).toContain(
      'Compared with `sleep 25`: the wait is 7.9 s shorter per host, 15.8 s over 2 host(s)',
    );
    // memory figures
    expect(md).toContain('peak **91.5 %** on a during build (t = 137 s)');
    expect(md).toContain('together for **4 s**; OOM kills: **0**');
    // the chart: one line per host, at most 60 points, the one-sample peak kept
    const chart = md.match(/```mermaid\n(xychart-beta\n[\s\S]*?)```/)?.[1];
    expect(chart).toBeDefined();
    expect(chart).toContain('title "Memory used % per host (a, b)"');
    expect(chart).toContain('x-axis "seconds since the deploy started" 0 --> 299');
    const lines = [...chart!.matchAll(/^ {4}line \[(.*)\]$/gm)].map((m) => m[1]!.split(', ').map(Number));
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(Math.max(...lines[0]!)).toBe(91.5);
    // where the full report is: relative to the checkout, with the run page for the artifact
    expect(md).toContain('`deploy-report/`: report.json');
    expect(md).toContain('[this run](https://github.com/me/app/actions/runs/42)');
  });

  it('does nothing outside GitHub Actions', async () => {
    const { report, memory } = await fixture();
    expect(appendStepSummary({}, report, memory)).toBe(false);
  });

  it('a summary file it cannot write is a warning, never a thrown error', async () => {
    const { report, memory } = await fixture();
    const dir = tempDir();
    mkdirSync(join(dir, 'is-a-dir'));
    let log = '';
    const out = new Writable({
      write(chunk, _enc, cb) {
        log += String(chunk);
        cb();
      },
    });
    const env = { GITHUB_STEP_SUMMARY: join(dir, 'is-a-dir') };
    expect(appendStepSummary(env, report, memory, { log: out })).toBe(false);
    expect(log).toMatch(/^::warning title=handoff::could not append the step summary to .*is-a-dir: EISDIR/);
  });
});

describe('bucketSeries', () => {
  it('keeps short series as they are and fills empty buckets with the last value', () => {
    const s = (t: number, used: number, host = 'h'): MemorySample => ({
      t,
      host,
      step: 'x',
      usedPercent: used,
      swapUsedPercent: 0,
      source: 'meminfo',
      usedKb: 1,
      totalKb: 2,
    });
    const short = bucketSeries([s(0, 10), s(1, 20), s(2, 30)]);
    expect(short?.lines).toEqual([[10, 20, 30]]);
    // host g has a gap in the middle: its line repeats 50 rather than dropping to 0
    const gap = bucketSeries([s(0, 10), s(1, 20), s(2, 30), s(3, 40), s(0, 50, 'g'), s(3, 60, 'g')]);
    expect(gap?.lines[1]).toEqual([50, 50, 50, 60]);
    expect(bucketSeries([])).toBeUndefined();
  });
});
