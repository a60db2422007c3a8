// report.html: built from a two-host report with memory samples and a plan through the real
// functions, then opened in a real headless browser (Debian's chromium driven by playwright-core):
// it renders, logs no console error, asks the network for nothing, and its charts carry the data.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { analyzeMemory } from '../../src/memory/analysis.ts';
import { buildPlan } from '../../src/plan/plan.ts';
import { reportHtml } from '../../src/report/html.ts';
import type { Report } from '../../src/report/report.ts';
import { writeReportFiles } from '../../src/report/write.ts';
import type { MemorySample } from '../../src/sampler/parse.ts';
import { baseConfig, tempDir } from '../helpers/config.ts';

const CHROMIUM = '/usr/bin/chromium';
// Headless as root on a machine with no network: without the background-networking flags chromium
// keeps trying to reach Google's hosts at every start.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const STEPS: [string, number][] = [
  ['preflight', 2],
  ['upload', 3],
  ['drain', 0.2],
  ['wait', 17],
  ['stop', 3],
  ['build', 40],
  ['start', 2],
  ['health', 15],
  ['settle', 10],
];

function hostRun(start: number, failBuild = false) {
  let t = start;
  const steps = [];
  for (const [step, secs] of STEPS) {
    const ok = !(failBuild && step === 'build');
    steps.push({
      name: step,
      startedAt: at(t),
      endedAt: at(t + secs),
      ok,
      detail: ok ? `${step} done` : 'exit 1: <b>gradle</b> failed',
    });
    t += secs;
    if (!ok) {
      steps.push({
        name: 'undo:stop',
        startedAt: at(t),
        endedAt: at(t + 20),
        ok: true,
        detail: 'previous release restarted',
      });
      t += 20;
      break;
    }
  }
  return { steps, end: t };
}

function fixture() {
  const a = hostRun(0);
  const b = hostRun(a.end, true);
  const samples: MemorySample[] = [];
  for (const [host, run, offset] of [
    ['web-1', a, 0],
    ['web-2', b, a.end],
  ] as const)
    for (const s of run.steps)
      for (let t = Date.parse(s.startedAt); t < Date.parse(s.endedAt); t += 1000) {
        const sec = (t - T0) / 1000;
        const step = s.name;
        samples.push({
          t: sec,
          host,
          step,
          usedPercent: step === 'build' ? 70 + ((sec - offset) % 7) : 40 + ((sec - offset) % 5),
          swapUsedPercent: 0,
          source: 'cgroup',
          usedKb: 500_000,
          totalKb: 1_048_576,
          ...(['preflight', 'upload', 'drain', 'wait'].includes(step) ? { oldRssKb: 300_000 } : {}),
          ...(step === 'build' ? { buildRssKb: 420_000 } : {}),
          ...(['start', 'health', 'settle'].includes(step) ? { newRssKb: 290_000 } : {}),
        });
      }
  const memory = analyzeMemory(samples, { intervalSeconds: 1 });
  const report: Report = {
    version: 1,
    kind: 'deploy',
    result: 'rolled-back',
    exitCode: 1,
    app: 'shop',
    commit: null,
    environment: null,
    releaseId: '20261120-100000',
    strategy: 'stop-first',
    drainMode: 'termination',
    dryRun: false,
    startedAt: at(0),
    endedAt: at(b.end),
    error: 'web-2: build failed <script>alert(1)</script>',
    hosts: [
      {
        name: 'web-1',
        result: 'deployed',
        release: { from: 'r1', to: 'r2' },
        drainSeconds: 17.2,
        oldPid: 101,
        newPid: 202,
        steps: a.steps as Report['hosts'][0]['steps'],
        hooks: [],
      },
      {
        name: 'web-2',
        result: 'rolled-back',
        release: { from: 'r1', to: 'r2' },
        drainSeconds: 17.1,
        oldPid: 103,
        newPid: null,
        steps: b.steps as Report['hosts'][0]['steps'],
        hooks: [],
      },
    ],
    memory: null,
  };
  const v = validateConfig(baseConfig());
  if (!v.ok) throw new Error('base config invalid');
  const lb = v.config.loadBalancer.healthCheck!;
  const plan = buildPlan(v.config, {
    hosts: ['web-1', 'web-2'],
    healthCheck: { ...lb, source: 'config' },
    deregistrationDelay: { seconds: 300, source: 'config' },
  });
  return { report, memory, plan };
}

describe('report.html, as text', () => {
  it('is written beside report.json, self-contained, and escapes what the report says', () => {
    const { report, memory, plan } = fixture();
    const dir = tempDir();
    writeReportFiles(dir, report, memory, plan);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toBe(reportHtml(report, memory, plan));
    expect(html).not.toMatch(/<script|<link|src=|href="http|@import|url\(http/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;gradle&lt;/b&gt;');
    expect(html).toMatch(/earliest = \(N-1\)·I \+ d = 10\.1 s/);
  });
});

const browser = existsSync(CHROMIUM) || !!process.env.CI;

describe.runIf(browser)('report.html in headless chromium', () => {
  it('renders with no console error and no request, and its charts carry the data', async () => {
    const { report, memory, plan } = fixture();
    const dir = tempDir();
    writeReportFiles(dir, report, memory, plan);
    const file = join(dir, 'report.html');
    const userDataDir = join(dir, 'chromium-profile');
    mkdirSync(userDataDir);
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      expect(await page.title()).toBe('shop 20261120-100000: rolled-back');
      expect(problems).toEqual([]);
      expect(requests).toEqual([pathToFileURL(file).href]); // offline: nothing but the file itself

      // per-host results
      const rows = await page.locator('table').first().locator('tbody tr').allInnerTexts();
      expect(rows).toHaveLength(2);
      expect(rows[1]).toMatch(/web-2\s+rolled-back[\s\S]*build: exit 1: <b>gradle<\/b> failed/);

      // the timeline: one bar per recorded step, each with a width
      const bars = page.locator('svg.timeline rect.step');
      const recorded = report.hosts.reduce((sum, h) => sum + h.steps.length, 0);
      expect(await bars.count()).toBe(recorded);
      const widths = await bars.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
      expect(Math.min(...widths)).toBeGreaterThan(0);

      // the memory chart: the used-% line has a point per sample, and the step bands are drawn
      const chart = page.locator('.memory-chart svg');
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(400);
      const longest = await chart.evaluate((svg) =>
        Math.max(
          ...[...svg.querySelectorAll('path')].map(
            (p) => (p.getAttribute('d') ?? '').split(/[ML]/).length - 1,
          ),
        ),
      );
      expect(longest).toBeGreaterThanOrEqual(memory.samples.length / 2); // one line per host
      expect(await chart.locator('rect[fill-opacity]').count()).toBeGreaterThanOrEqual(STEPS.length);

      // drain math with the measured windows
      await expect(page.locator('pre').innerText()).resolves.toMatch(/wait = latest \+ margin/);
      await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 60_000);
});
