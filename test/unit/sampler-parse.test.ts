import { describe, expect, it } from 'vitest';
import { parseSamplerLine, type RawSample, toMemorySample } from '../../src/sampler/parse.ts';

const GiB = 1024 ** 3;

function sample(line: string): RawSample {
  const p = parseSamplerLine(line);
  if (p.kind !== 'sample') throw new Error(`expected a sample, got ${JSON.stringify(p)}`);
  return p;
}

describe('parseSamplerLine', () => {
  it('reads the header with the source the sampler chose', () => {
    expect(parseSamplerLine('H 1 1 cgroup1 /sys/fs/cgroup/memory/handoff-sandbox/h1')).toEqual({
      kind: 'header',
      formatVersion: 1,
      intervalSeconds: 1,
      source: 'cgroup',
      cgroupVersion: 1,
      cgroupDir: '/sys/fs/cgroup/memory/handoff-sandbox/h1',
    });
    const h = parseSamplerLine('H 1 0.5 meminfo -');
    expect(h).toMatchObject({
      source: 'meminfo',
      cgroupVersion: null,
      cgroupDir: null,
      intervalSeconds: 0.5,
    });
    expect(parseSamplerLine('H 1 1 cgroup2 /sys/fs/cgroup/my dir')).toMatchObject({
      cgroupDir: '/sys/fs/cgroup/my dir',
    });
  });

  it('reads a cgroup v1 sample, with v1 "unlimited" as no limit', () => {
    const s = sample(
      'S 1795317736.37 1000000 600000 0 0 cgroup1 536870912 134217728 9223372036854771712 2 300000 - 150000 build\n',
    );
    expect(s).toEqual({
      kind: 'sample',
      epochSeconds: 1795317736.37,
      memTotalKb: 1000000,
      memAvailableKb: 600000,
      swapTotalKb: 0,
      swapFreeKb: 0,
      source: 'cgroup',
      cgroupVersion: 1,
      cgroupUsageBytes: 536870912,
      cgroupInactiveFileBytes: 134217728,
      cgroupLimitBytes: null,
      oomKillCounter: 2,
      oldRssKb: 300000,
      newRssKb: null,
      buildRssKb: 150000,
      step: 'build',
    });
  });

  it('reads a v2 sample: "max" is no limit, "-" is absent', () => {
    const s = sample('S 10.00 2000 1500 1000 250 cgroup2 1048576 - max - - - - -');
    expect(s.cgroupVersion).toBe(2);
    expect(s.cgroupLimitBytes).toBeNull();
    expect(s.cgroupInactiveFileBytes).toBeNull();
    expect(s.oomKillCounter).toBeNull();
    expect(s.step).toBeNull();
    expect(sample(`S 10.00 2000 1500 0 0 cgroup2 1048576 0 ${GiB} 0 - - - x`).cgroupLimitBytes).toBe(GiB);
  });

  it.each([
    ['', 'not a sampler line'],
    ['sampler: bad argument --x', 'not a sampler line'],
    ['S 1 2 3', 'fields'],
    ['S 1.0 1000 500 0 0 meminfo - - - 0 - - - build extra', 'fields'],
    ['S 1.0 1000 abc 0 0 meminfo - - - 0 - - - build', 'MemAvailable'],
    ['S 1.0 1000 500 0 0 zram - - - 0 - - - build', 'unknown source'],
    ['S 1.0 1000 - 0 0 meminfo - - - 0 - - - build', 'MemAvailable'],
    ['S 1.0 0 0 0 0 meminfo - - - 0 - - - build', 'MemTotal'],
    ['S 1.0 1000 500 0 0 cgroup1 - - - 0 - - - build', 'without usage'],
    ['S 1.0 1000 500 0 0 meminfo - - - -5 - - - build', 'oom_kill'],
    ['H 2 1 meminfo -', 'version'],
  ])('rejects %j', (line, why) => {
    const p = parseSamplerLine(line);
    expect(p.kind).toBe('error');
    if (p.kind === 'error') {
      expect(p.error).toContain(why);
      expect(p.line).toBe(line);
    }
  });
});

describe('toMemorySample', () => {
  const ctx = { host: 'h1', startEpochMs: 1_795_317_700_000 };

  it('cgroup: working set (usage - inactive_file) over the limit, raw figures kept', () => {
    // 700 MiB charged, 100 MiB of it inactive file cache, 1 GiB limit: 600/1024 = 58.59 %.
    const raw = sample(
      `S 1795317736.37 24000000 23000000 0 0 cgroup1 ${700 * 2 ** 20} ${100 * 2 ** 20} ${GiB} 1 4096 0 - stop`,
    );
    expect(toMemorySample(raw, ctx)).toEqual({
      t: 36.37,
      host: 'h1',
      usedPercent: 58.59,
      swapUsedPercent: 0,
      oldRssKb: 4096,
      newRssKb: 0,
      step: 'stop',
      source: 'cgroup',
      usedKb: 600 * 1024,
      totalKb: 1024 * 1024,
      cgroupUsageKb: 700 * 1024,
      cgroupInactiveFileKb: 100 * 1024,
      oomKillCounter: 1,
    });
  });

  it('cgroup: inactive_file >= usage keeps usage (docker stats rule); no limit divides by MemTotal', () => {
    const raw = sample(`S 100.5 2097152 0 0 0 cgroup2 ${GiB} ${2 * GiB} max - - - - -`);
    const s = toMemorySample(raw, { host: 'h2', startEpochMs: 100_000 });
    expect(s.usedKb).toBe(1024 * 1024);
    expect(s.totalKb).toBe(2097152);
    expect(s.usedPercent).toBe(50);
    expect(s.t).toBe(0.5);
    expect(s.step).toBe('none');
    expect(s).not.toHaveProperty('oomKillCounter');
    expect(s).not.toHaveProperty('oldRssKb');
  });

  it('meminfo: (MemTotal - MemAvailable) / MemTotal and swap used over swap total', () => {
    const raw = sample('S 1795317701.00 1000000 250000 400000 300000 meminfo - - - 3 - - 52000 build');
    const s = toMemorySample(raw, ctx);
    expect(s).toMatchObject({ usedPercent: 75, swapUsedPercent: 25, usedKb: 750000, totalKb: 1000000 });
    expect(s.buildRssKb).toBe(52000);
    expect(s).not.toHaveProperty('cgroupUsageKb');
  });
});
