// Runs the real sampler script with dash against fixture /proc and cgroup trees, so the cgroup v2,
// v1 and meminfo paths are all exercised on any machine (this one is cgroup v1).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { markCommand, samplerCommand } from '../../src/remote/sampler-script.ts';
import { parseSamplerLine, type RawSample } from '../../src/sampler/parse.ts';

const hasDash = spawnSync('dash', ['-c', 'exit 0']).status === 0;
if (!hasDash && process.env.CI) throw new Error('dash is required in CI (apt-get install -y dash)');

const root = mkdtempSync(join(tmpdir(), 'handoff-sampler-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(base: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, rel)), { recursive: true });
    writeFileSync(join(base, rel), text);
  }
  return base;
}

const MEMINFO =
  'MemTotal:        2000000 kB\nMemFree:          100000 kB\nMemAvailable:     500000 kB\nSwapTotal:        0 kB\nSwapFree:         0 kB\n';
// /proc/PID/stat: comm may hold spaces and parentheses; fields after it: state ppid pgrp session ... rss(24th).
const stat = (pid: number, comm: string, pgrp: number, session: number, rssPages: number) =>
  `${pid} (${comm}) S 1 ${pgrp} ${session} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1000000 ${rssPages} 18446744073709551615\n`;

/** A fixture host: proc/ with three processes in build session 300, and a marks directory. */
function host(name: string, cgroupFiles: Record<string, string>, mounts: string, selfCgroup: string) {
  const dir = join(root, name);
  tree(dir, {
    'proc/meminfo': MEMINFO,
    'proc/uptime': '1000.00 1900.00\n',
    'proc/vmstat': 'nr_free_pages 1\noom_kill 7\n',
    'proc/self/mounts': mounts.replaceAll('@', dir),
    'proc/self/cgroup': selfCgroup,
    'proc/100/status': 'Name:\tjava\nVmRSS:\t  123456 kB\n',
    'proc/100/stat': stat(100, 'java', 100, 100, 30864),
    'proc/300/stat': stat(300, 'sh', 300, 300, 250),
    'proc/301/stat': stat(301, 'gradle (worker) 1', 301, 300, 1000), // own group, same session
    'proc/302/stat': stat(302, 'unrelated', 302, 302, 99999),
    'marks/step': 'build',
    'marks/old.pid': '100',
    'marks/new.pid': '4194000', // set, but no such process: RSS 0
    'marks/build.pgid': '300',
    ...Object.fromEntries(Object.entries(cgroupFiles).map(([k, v]) => [`cg/${k}`, v])),
  });
  return dir;
}

interface Run {
  lines: string[];
  code: number | null;
  stderr: string;
}

/** Starts the sampler; after the first sample, advances the fixture uptime past --duration. */
function run(dir: string, source: 'auto' | 'meminfo' | 'cgroup', cgroupPath?: string): Promise<Run> {
  writeFileSync(join(dir, 'proc/uptime'), '1000.00 1900.00\n');
  const { argv } = samplerCommand({
    marksDir: join(dir, 'marks'),
    intervalSeconds: 0.2,
    durationSeconds: 5,
    source,
    cgroupPath,
  });
  const child = spawn('dash', [...argv.slice(1), '--proc', join(dir, 'proc')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    if (l.startsWith('S ')) writeFileSync(join(dir, 'proc/uptime'), '1010.00 1900.00\n');
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 4000); // a hung sampler fails the test, not the run
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ lines, code, stderr });
    }),
  );
}

function firstSample(r: Run): RawSample {
  const p = r.lines.map(parseSamplerLine).find((x) => x.kind === 'sample');
  if (p?.kind !== 'sample') throw new Error(`no sample in ${JSON.stringify(r)}`);
  return p;
}

describe.skipIf(!hasDash)('sampler script (dash, fixture trees)', () => {
  it('cgroup v2: finds the limited ancestor, reads memory.current/stat/events, sums the build session', async () => {
    const dir = host(
      'v2',
      {
        'memory.current': '999\n', // the hierarchy root: never used
        'app.slice/memory.max': `${2 ** 30}\n`,
        'app.slice/memory.current': '600000000\n',
        'app.slice/memory.stat':
          'anon 500000000\nfile 90000000\nactive_file 10000000\ninactive_file 80000000\n',
        'app.slice/memory.events': 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n',
        'app.slice/app.service/memory.max': 'max\n',
        'app.slice/app.service/memory.current': '500000000\n',
      },
      'proc /proc proc rw 0 0\ncgroup2 @/cg cgroup2 rw,nosuid 0 0\n',
      '0::/app.slice/app.service\n',
    );
    const r = await run(dir, 'auto');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(`H 1 0.2 cgroup2 ${dir}/cg/app.slice`);
    const s = firstSample(r);
    expect(s).toMatchObject({
      memTotalKb: 2000000,
      memAvailableKb: 500000,
      source: 'cgroup',
      cgroupVersion: 2,
      cgroupUsageBytes: 600000000,
      cgroupInactiveFileBytes: 80000000,
      cgroupLimitBytes: 2 ** 30,
      oomKillCounter: 1,
      oldRssKb: 123456,
      newRssKb: 0,
      buildRssKb: (250 + 1000) * 4, // 4 KiB pages; process 302 is not in session 300
      step: 'build',
    });
    // Fixture uptime jumped 10 s past the start: --duration 5 ends the run after that first sample.
    expect(r.lines.filter((l) => l.startsWith('S '))).toHaveLength(1);
  });

  it('cgroup v1 on a hybrid host: the memory controller line wins; no oom_kill (old kernel) is "-"', async () => {
    const dir = host(
      'v1',
      {
        'memory/memory.usage_in_bytes': '1\n',
        'memory/memory.limit_in_bytes': '9223372036854771712\n',
        'memory/sb/h1/memory.usage_in_bytes': '400000000\n',
        'memory/sb/h1/memory.limit_in_bytes': `${2 ** 30}\n`,
        'memory/sb/h1/memory.stat':
          'cache 1\ninactive_file 5\ntotal_cache 70000000\ntotal_inactive_file 60000000\n',
        'memory/sb/h1/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\n',
        'unified/user.slice/memory.current': '5\n',
      },
      'cgroup @/cg/memory cgroup rw,nosuid,memory 0 0\ncgroup2 @/cg/unified cgroup2 rw 0 0\n',
      '5:cpu,cpuacct:/\n4:memory:/sb/h1\n0::/user.slice\n',
    );
    const r = await run(dir, 'auto');
    expect(r.lines[0]).toBe(`H 1 0.2 cgroup1 ${dir}/cg/memory/sb/h1`);
    expect(firstSample(r)).toMatchObject({
      cgroupVersion: 1,
      cgroupUsageBytes: 400000000,
      cgroupInactiveFileBytes: 60000000,
      cgroupLimitBytes: 2 ** 30,
      oomKillCounter: null,
    });
  });

  it('auto falls back to meminfo (with the host-wide OOM counter) when no cgroup limit is below RAM', async () => {
    const dir = host(
      'bare',
      { 'user.slice/memory.max': 'max\n', 'user.slice/memory.current': '5\n' },
      'cgroup2 @/cg cgroup2 rw 0 0\n',
      '0::/user.slice\n',
    );
    const r = await run(dir, 'auto');
    expect(r.lines[0]).toBe('H 1 0.2 meminfo -');
    expect(firstSample(r)).toMatchObject({ source: 'meminfo', cgroupUsageBytes: null, oomKillCounter: 7 });
    // Forced cgroup on the same host: the unlimited cgroup is used, its limit reads as none.
    const forced = await run(dir, 'cgroup');
    expect(forced.lines[0]).toBe(`H 1 0.2 cgroup2 ${dir}/cg/user.slice`);
    expect(firstSample(forced)).toMatchObject({ cgroupUsageBytes: 5, cgroupLimitBytes: null });
    // --source meminfo ignores the cgroup even when one is limited.
    expect((await run(dir, 'meminfo')).lines[0]).toBe('H 1 0.2 meminfo -');
  });

  it('--cgroup-path takes a directory or a path inside the hierarchy; a missing cgroup is an error', async () => {
    const dir = host(
      'path',
      {
        'other/memory.current': '42\n',
        'other/memory.max': '100000\n',
        'other/memory.stat': 'inactive_file 2\n',
      },
      'cgroup2 @/cg cgroup2 rw 0 0\n',
      '0::/\n',
    );
    expect((await run(dir, 'auto', '/other')).lines[0]).toBe(`H 1 0.2 cgroup2 ${dir}/cg/other`);
    const byDir = await run(dir, 'cgroup', join(dir, 'cg/other'));
    expect(firstSample(byDir)).toMatchObject({ cgroupUsageBytes: 42, cgroupInactiveFileBytes: 2 });
    const missing = await run(dir, 'cgroup', '/nope');
    expect(missing.code).toBe(2);
    expect(missing.lines).toEqual([]);
    expect(missing.stderr).toContain('no memory cgroup found');
  });
});

describe('samplerCommand and markCommand', () => {
  it('builds sh -c argv and a quoted command line that survives a shell', () => {
    const marks = join(root, "it's a dir");
    const { argv, command } = samplerCommand({ marksDir: marks, intervalSeconds: 1, source: 'auto' });
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.slice(3)).toEqual(['sampler', '--marks', marks, '--interval', '1', '--source', 'auto']);
    const echoed = spawnSync('sh', ['-c', command.replace(/^sh -c '[\s\S]*' sampler /, "printf '%s\\n' ")]);
    expect(echoed.stdout.toString().trim().split('\n')).toEqual(argv.slice(4));
    expect(() => samplerCommand({ marksDir: marks, intervalSeconds: 0, source: 'auto' })).toThrow(RangeError);
    expect(() =>
      samplerCommand({ marksDir: marks, intervalSeconds: 1, durationSeconds: 1.5, source: 'auto' }),
    ).toThrow();
  });

  it('markCommand writes the value atomically, quoting odd values', () => {
    const marks = join(root, 'marks dir');
    const r = spawnSync('sh', ['-c', markCommand(marks, 'step', "it's $HOME")]);
    expect(r.status).toBe(0);
    const cat = spawnSync('cat', [join(marks, 'step')]);
    expect(cat.stdout.toString()).toBe("it's $HOME");
    expect(() => markCommand(marks, 'step', 'a\nb')).toThrow();
  });
});
