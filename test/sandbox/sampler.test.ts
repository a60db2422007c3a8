// The real sampler (dash + awk) in a real 1 GiB memory cgroup on this machine, checked against the
// test's own readings of the same files. Root only; skips with the reason elsewhere, fails in CI.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  createHostCgroup,
  detectCgroup,
  oomKills,
  removeCgroupRoot,
  removeHostCgroup,
} from '../../scripts/sandbox/cgroup.ts';
import { which } from '../../scripts/sandbox/proc.ts';
import { analyzeMemory } from '../../src/memory/analysis.ts';
import { type MarkName, markCommand } from '../../src/remote/sampler-script.ts';
import { renderMemorySvg } from '../../src/report/memory-svg.ts';
import { type RawSample, toMemorySample } from '../../src/sampler/parse.ts';
import * as p from './sampler-probe.ts';

const cg = detectCgroup();
const problems: string[] = [];
if (process.getuid?.() !== 0) problems.push('must run as root (memory cgroups)');
if (!which('dash')) problems.push('dash not found (apt-get install -y dash)');
if (!cg) problems.push('no cgroup memory controller');
const ROOT =
  cg?.version === 2 ? '/sys/fs/cgroup/handoff-sampler-test' : '/sys/fs/cgroup/memory/handoff-sampler-test';
const GiB = 1024 ** 3;
const tmp = mkdtempSync(join(tmpdir(), 'handoff-sampler-sb-'));
const hogFile = join(tmp, 'hog.js');
writeFileSync(hogFile, p.HOG_JS);
const cgroups: string[] = [];
let series: RawSample[] = []; // the main run's samples, for the render test

afterAll(async () => {
  for (const dir of cgroups) await removeHostCgroup(dir);
  removeCgroupRoot(ROOT);
  rmSync(tmp, { recursive: true, force: true });
});

function freshCgroup(name: string): string {
  const dir = createHostCgroup(cg!.version, ROOT, `${name}-${process.pid}`, GiB);
  cgroups.push(dir);
  return dir;
}
const mark = (marks: string, name: MarkName, value: string | number) =>
  execFileSync('sh', ['-c', markCommand(marks, name, value)]);

p.gated('memory sampler on this machine', problems, () => {
  it('agrees with the cgroup files, misses no tick, stays small, follows the marks, sees an OOM kill', async () => {
    const dir = freshCgroup('main');
    const marks = mkdtempSync(join(tmp, 'marks-'));
    const hog = (mb: number) =>
      p.spawnIn(dir, [process.execPath, '--expose-gc', hogFile, String(mb)], { pipeStdin: true });
    const steps: Array<{ atMs: number; step: string }> = [];
    const step = (s: string) => {
      mark(marks, 'step', s);
      steps.push({ atMs: Date.now(), step: s });
    };
    step('preflight');
    const old = hog(200);
    mark(marks, 'oldPid', old.pid!);
    let build: ReturnType<typeof p.spawnIn> | undefined;
    let fresh: ReturnType<typeof hog> | undefined;
    await p.until(() => p.vmRss(old.pid!) > 200 * 1024, 10_000);

    const run = p.startSampler(dir, { marksDir: marks, intervalSeconds: 1, source: 'auto' });
    const oomBefore = oomKills(dir);
    const readings: p.Reading[] = [];
    const own: p.MemUse[] = [];
    const timer = setInterval(() => {
      const r = p.readCgroup(dir, cg!.version);
      readings.push({
        ...r,
        old: p.vmRss(old.pid!),
        fresh: fresh ? p.vmRss(fresh.pid!) : 0,
        build: build ? p.sessionRss(build.pid!) : 0,
      });
      const sh = run.shellPid();
      if (sh > 0) own.push(p.memOf(p.tree(sh)));
    }, 100);
    const t0 = Date.now();
    const at = (s: number) => p.delay(Math.max(0, t0 + s * 1000 - Date.now()));

    // A build-first deploy in miniature: the build beside the old JVM, then stop, start, health.
    await at(2);
    step('drain');
    old.stdin!.write('450\n');
    await at(5);
    step('build');
    build = p.spawnIn(dir, ['dash', '-c', `"$0" "$1" 96 & "$0" "$1" 48 & wait`, process.execPath, hogFile], {
      detached: true,
    });
    mark(marks, 'buildPgid', build.pid!);
    await at(9);
    step('stop');
    process.kill(-build.pid!, 'SIGKILL');
    mark(marks, 'buildPgid', '');
    old.kill('SIGKILL');
    await at(11);
    step('start');
    fresh = hog(300);
    mark(marks, 'newPid', fresh.pid!);
    await at(14);
    fresh.stdin!.write('650\n');
    await at(17);
    step('health');
    fresh.stdin!.write('250\n');
    await at(21);
    const compareUntilMs = Date.now();
    const cpu = p.cpuSeconds(run.shellPid()) / ((Date.now() - t0) / 1000);

    // An OOM kill inside the cgroup: the new "JVM" asks for more than the 1 GiB limit.
    step('oom');
    fresh.stdin!.write('1400\n');
    await p.until(() => oomKills(dir) > oomBefore, 20_000);
    const sampledAfter = run.samples.length;
    await p.until(() => run.samples.length >= sampledAfter + 2, 5_000);
    clearInterval(timer);
    process.kill(run.shellPid(), 'SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    series = run.samples;

    expect(run.lines[0]).toBe(`H 1 1 cgroup${cg!.version} ${dir}`);
    const compared = run.samples.filter((s) => s.epochSeconds * 1000 <= compareUntilMs);
    const { failures, checked } = p.compareSeries(compared, readings, steps);
    expect(failures).toEqual([]);
    // Ticks the test itself read within 150 ms of, so the comparison above is not empty: its own
    // 100 ms timer lags under load, which the sampler does not decide. Measured 20-21 of 21 quiet and
    // at load 13; a fresh-clone CI run at load ~17 checked 16 of 23 (70 %) and failed the 80 % this
    // was. Half of the ticks: over 10 comparisons across the six steps of the miniature deploy.
    expect(checked).toBeGreaterThanOrEqual(Math.ceil(compared.length / 2));
    expect(Math.max(...compared.map((s) => s.buildRssKb ?? 0))).toBeGreaterThan(100 * 1024);

    const analysis = analyzeMemory(
      run.samples.map((s) => toMemorySample(s, { host: 'sb', startEpochMs: t0 })),
      { intervalSeconds: 1 },
    );
    const seconds = (run.samples.at(-1)!.epochSeconds - run.samples[0]!.epochSeconds) | 0;
    expect(analysis.missedSamples / seconds).toBeLessThan(0.01);
    expect(run.samples.length).toBeGreaterThanOrEqual(seconds);
    expect(analysis.oomKills).toBe(oomKills(dir) - oomBefore);
    expect(analysis.oomKills).toBeGreaterThanOrEqual(1);

    const max = (k: keyof p.MemUse) => Math.max(...own.map((m) => m[k]));
    const privatePte = Math.max(...own.map((m) => m.rssAnonKb + m.pteKb));
    console.log(
      `sampler footprint over ${own.length} readings: Pss sum max ${max('pssKb')} kB, RssAnon+PTE max ${privatePte} kB, VmRSS sum max ${max('vmRssKb')} kB (shared libc pages counted per process); CPU ${(cpu * 100).toFixed(2)} % of one core; ${seconds} s, ${analysis.missedSamples} missed, overlap ${analysis.overlapSeconds} s, peak ${analysis.peakPercent} %`,
    );
    expect(own.length).toBeGreaterThan(100);
    // The README's footprint row (bench/sampler.ts: Pss <= 1 MB, private + page tables <= 0.65 MB,
    // CPU 0.7 %), held here with stated margins. Measured by this test on the shared 2-core machine:
    // at load 7-10 Pss 434-874 kB, private + page tables 632-708 kB, CPU 0.38-0.52 %; quiet (load
    // 1.8) Pss 985-1,271 kB alone, 619-814 kB with a sandbox up beside it, private + page tables
    // 388-628 kB. About 70 % of the Pss is file pages (dash, sleep, libc) split among every process
    // that maps them, so it rises when fewer others run, which the sampler does not control. The bound is 20 % over the quiet maximum; a sampler
    // that kept a heavier program resident (bash or python: megabytes of their own text and heap)
    // still goes over it, and the private bound below catches the shell's own growth.
    expect(max('pssKb')).toBeLessThanOrEqual(1536); // 1.5 MiB: measured at most 83 % of it
    expect(privatePte).toBeLessThanOrEqual(768); // 0.6 MiB + 25 %: one awk or cat more or less per reading
    expect(cpu).toBeLessThan(0.0075); // 0.75 % of a core: 1.5x the loaded maximum (the limit was 3 %, 10x the claim)
    // The OOM-killed hog may still be freeing its 1.4 GB when the shell has exited (seen at load 16):
    // the same 3 s the signal tests below give the kernel, then nothing may be left.
    await p.until(() => p.leftovers(dir, marks).length === 0, 3_000);
    expect(p.leftovers(dir, marks)).toEqual([]);
  });

  it('adds under 2 MiB to a cgroup of its own, and stops by itself after --duration', async () => {
    const dir = freshCgroup('alone');
    const marks = mkdtempSync(join(tmp, 'marks-'));
    mark(marks, 'buildPgid', 1); // the /proc scan runs every tick: the costliest case
    const t0 = Date.now();
    const run = p.startSampler(dir, {
      marksDir: marks,
      intervalSeconds: 1,
      durationSeconds: 4,
      source: 'meminfo',
    });
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(6500);
    expect(run.samples).toHaveLength(4);
    const peakFile = cg!.version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak';
    const peak = Number(readFileSync(join(dir, peakFile), 'utf8')); // page tables and kernel memory included
    console.log(`sampler alone in a cgroup: peak charge ${(peak / 1024).toFixed(0)} kB`);
    expect(peak).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  const endings: Array<[string, { parent?: boolean; ignorePipe?: boolean }, (r: p.SamplerRun) => void]> = [
    ['SIGTERM', {}, (r) => process.kill(r.shellPid(), 'SIGTERM')],
    ['SIGHUP', {}, (r) => process.kill(r.shellPid(), 'SIGHUP')],
    ['SIGINT', {}, (r) => process.kill(r.shellPid(), 'SIGINT')],
    ['its stdout closed (SIGPIPE)', {}, (r) => r.child.stdout!.destroy()],
    ['its stdout closed, SIGPIPE ignored (EPIPE)', { ignorePipe: true }, (r) => r.child.stdout!.destroy()],
    ['its parent killed (SSH session gone)', { parent: true }, (r) => process.kill(r.child.pid!, 'SIGKILL')],
  ];
  it.each(endings)('leaves no process behind after %s', async (name, how, end) => {
    const dir = freshCgroup('end');
    const marks = mkdtempSync(join(tmp, 'marks-'));
    const run = p.startSampler(dir, { marksDir: marks, intervalSeconds: 1, source: 'auto' }, how);
    expect(await p.until(() => run.samples.length >= 2, 10_000)).toBe(true);
    expect(p.leftovers(dir, marks).length).toBeGreaterThanOrEqual(1); // the check sees a live sampler
    const t = Date.now();
    end(run);
    // A signal ends it at once (measured 3-81 ms, quiet and at load 13). A closed stdout or a gone
    // parent is noticed only at its next tick, or the one after when a tick was already writing:
    // measured 0.97-2.06 s (the 2.06 at load 13); in the suite logs (load up to 22) whole tests, about
    // 1 s of them before the end, took up to 3.3 s where 2.5 s was the bound. Two intervals + 1.5 s.
    const bound = how.parent || /stdout/.test(name) ? 2 * 1000 + 1500 : 2500;
    expect(await p.until(() => p.leftovers(dir, marks).length === 0, bound + 500)).toBe(true);
    expect(Date.now() - t).toBeLessThan(bound);
  });

  p.gated(
    'memory.svg rendering',
    which('rsvg-convert') ? [] : ['rsvg-convert not found (apt-get install -y librsvg2-bin)'],
    () => {
      it('renders the real series to a PNG that is not blank', () => {
        expect(series.length).toBeGreaterThan(10);
        const start = series[0]!.epochSeconds * 1000;
        const a = analyzeMemory(
          series.map((s) => toMemorySample(s, { host: 'sandbox', startEpochMs: start })),
          { intervalSeconds: 1 },
        );
        const svgFile = join(tmp, 'memory.svg');
        writeFileSync(svgFile, renderMemorySvg(a));
        const r = spawnSync('rsvg-convert', ['-o', join(tmp, 'memory.png'), svgFile]);
        expect(r.stderr.toString()).toBe('');
        const png = p.pngStats(readFileSync(join(tmp, 'memory.png')));
        expect([png.width, png.height]).toEqual([900, 360]);
        expect(png.colors).toBeGreaterThan(20);
        expect(png.nonWhite).toBeGreaterThan(0.05);
        if (process.env.HANDOFF_TEST_ARTIFACTS) {
          for (const f of ['memory.svg', 'memory.png'])
            writeFileSync(join(process.env.HANDOFF_TEST_ARTIFACTS, f), readFileSync(join(tmp, f)));
        }
      });
    },
  );
});
