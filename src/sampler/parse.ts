// Pure parsing of the sampler's stdout (src/remote/sampler-script.ts) into samples for the report.
//
// Line format, one per line, fields separated by one space, "-" where a value does not apply:
//   H 1 <interval> <source> <cgroupDir>          once, first: format version 1, the source chosen
//   S <epoch> <MemTotal> <MemAvailable> <SwapTotal> <SwapFree> <source> <usage> <inactiveFile>
//     <limit> <oomKill> <oldRss> <newRss> <buildRss> <step>
// epoch: host clock in seconds (2 decimals); meminfo figures and RSS in kB; cgroup figures in bytes;
// source: meminfo | cgroup1 | cgroup2; limit may be "max" (v2, unlimited); oomKill is the cgroup's
// counter (memory.events / memory.oom_control) or, for meminfo, /proc/vmstat's host-wide one.

export type MemorySource = 'meminfo' | 'cgroup';

export type SamplerHeader = {
  kind: 'header';
  formatVersion: 1;
  intervalSeconds: number;
  source: MemorySource;
  cgroupVersion: 1 | 2 | null;
  cgroupDir: string | null;
};

export type RawSample = {
  kind: 'sample';
  epochSeconds: number;
  memTotalKb: number;
  memAvailableKb: number;
  swapTotalKb: number;
  swapFreeKb: number;
  source: MemorySource;
  cgroupVersion: 1 | 2 | null;
  cgroupUsageBytes: number | null;
  cgroupInactiveFileBytes: number | null;
  /** null: no limit ("max", or v1's huge "unlimited" value) or not a cgroup sample. */
  cgroupLimitBytes: number | null;
  oomKillCounter: number | null;
  oldRssKb: number | null;
  newRssKb: number | null;
  buildRssKb: number | null;
  step: string | null;
};

export type ParsedLine = SamplerHeader | RawSample | { kind: 'error'; error: string; line: string };

/** One sample in report.json (docs/contracts.md, section 4), plus the raw figures behind usedPercent. */
export type MemorySample = {
  /** Seconds since the deploy started (report startedAt), read on the host's clock, 2 decimals. */
  t: number;
  host: string;
  /** meminfo: (MemTotal - MemAvailable) / MemTotal; cgroup: (usage - inactive_file) / limit. */
  usedPercent: number;
  swapUsedPercent: number;
  oldRssKb?: number;
  buildRssKb?: number;
  newRssKb?: number;
  step: string;
  source: MemorySource;
  /** Numerator and denominator of usedPercent (the limit, or MemTotal when the cgroup has none). */
  usedKb: number;
  totalKb: number;
  /** cgroup only: raw usage including all page cache (what the limit is enforced against) and inactive_file. */
  cgroupUsageKb?: number;
  cgroupInactiveFileKb?: number;
  /** Cumulative OOM-kill counter as read (cgroup, or host-wide for meminfo); absent when unavailable. */
  oomKillCounter?: number;
};

/** Step name used while the tool has not written a step mark yet. */
export const NO_STEP = 'none';

// v1 reports "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 with 4 KiB pages): anything
// above 2^60 bytes is no limit.
const UNLIMITED_BYTES = 2 ** 60;

function num(field: string | undefined, what: string, dash: boolean): number | null {
  if (field === undefined) throw new Error(`missing ${what}`);
  if (field === '-' && dash) return null;
  if (!/^\d+(\.\d+)?$/.test(field)) throw new Error(`${what} is not a number: ${JSON.stringify(field)}`);
  return Number(field);
}

function sourceOf(field: string | undefined): { source: MemorySource; cgroupVersion: 1 | 2 | null } {
  if (field === 'meminfo') return { source: 'meminfo', cgroupVersion: null };
  if (field === 'cgroup1') return { source: 'cgroup', cgroupVersion: 1 };
  if (field === 'cgroup2') return { source: 'cgroup', cgroupVersion: 2 };
  throw new Error(`unknown source ${JSON.stringify(field)}`);
}

/** Parses one line of sampler output. Never throws: malformed input becomes { kind: 'error' }. */
export function parseSamplerLine(line: string): ParsedLine {
  const f = line.replace(/\r?\n$/, '').split(' ');
  try {
    if (f[0] === 'H') {
      if (f[1] !== '1') throw new Error(`unsupported format version ${JSON.stringify(f[1])}`);
      if (f.length < 5) throw new Error(`header has ${f.length} fields, expected 5`);
      const dir = f.slice(4).join(' '); // a cgroup path may contain spaces
      return {
        kind: 'header',
        formatVersion: 1,
        intervalSeconds: num(f[2], 'interval', false)!,
        ...sourceOf(f[3]),
        cgroupDir: dir === '-' ? null : dir,
      };
    }
    if (f[0] !== 'S') throw new Error('not a sampler line');
    if (f.length !== 15) throw new Error(`sample has ${f.length} fields, expected 15`);
    const src = sourceOf(f[6]);
    const limit = f[9] === 'max' ? null : num(f[9], 'limit', true);
    const sample: RawSample = {
      kind: 'sample',
      epochSeconds: num(f[1], 'time', false)!,
      memTotalKb: num(f[2], 'MemTotal', false)!,
      memAvailableKb: num(f[3], 'MemAvailable', false)!,
      swapTotalKb: num(f[4], 'SwapTotal', false)!,
      swapFreeKb: num(f[5], 'SwapFree', false)!,
      ...src,
      cgroupUsageBytes: num(f[7], 'cgroup usage', true),
      cgroupInactiveFileBytes: num(f[8], 'inactive_file', true),
      cgroupLimitBytes: limit !== null && limit < UNLIMITED_BYTES ? limit : null,
      oomKillCounter: num(f[10], 'oom_kill', true),
      oldRssKb: num(f[11], 'old RSS', true),
      newRssKb: num(f[12], 'new RSS', true),
      buildRssKb: num(f[13], 'build RSS', true),
      step: f[14] === '-' ? null : f[14]!,
    };
    if (sample.memTotalKb <= 0) throw new Error('MemTotal is 0');
    if (src.source === 'cgroup' && sample.cgroupUsageBytes === null)
      throw new Error('cgroup sample without usage');
    return sample;
  } catch (err) {
    return { kind: 'error', error: (err as Error).message, line };
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const pct = (part: number, whole: number): number => (whole > 0 ? round2((part / whole) * 100) : 0);

/**
 * Converts a raw sample into the report's shape. usedPercent is the working set: for a cgroup,
 * usage minus inactive file pages (docker stats' rule: only when inactive < usage) over the limit,
 * or over MemTotal when the cgroup has no limit; for meminfo, MemTotal minus MemAvailable.
 */
export function toMemorySample(raw: RawSample, ctx: { host: string; startEpochMs: number }): MemorySample {
  let usedKb: number;
  let totalKb: number;
  const extra: Partial<MemorySample> = {};
  if (raw.source === 'cgroup' && raw.cgroupUsageBytes !== null) {
    const inactive = raw.cgroupInactiveFileBytes ?? 0;
    const ws = inactive < raw.cgroupUsageBytes ? raw.cgroupUsageBytes - inactive : raw.cgroupUsageBytes;
    usedKb = Math.round(ws / 1024);
    totalKb = raw.cgroupLimitBytes !== null ? Math.round(raw.cgroupLimitBytes / 1024) : raw.memTotalKb;
    extra.cgroupUsageKb = Math.round(raw.cgroupUsageBytes / 1024);
    if (raw.cgroupInactiveFileBytes !== null) extra.cgroupInactiveFileKb = Math.round(inactive / 1024);
  } else {
    usedKb = Math.max(0, raw.memTotalKb - raw.memAvailableKb);
    totalKb = raw.memTotalKb;
  }
  const sample: MemorySample = {
    t: round2(raw.epochSeconds - ctx.startEpochMs / 1000),
    host: ctx.host,
    usedPercent: pct(usedKb, totalKb),
    swapUsedPercent: pct(raw.swapTotalKb - raw.swapFreeKb, raw.swapTotalKb),
    step: raw.step ?? NO_STEP,
    source: raw.source,
    usedKb,
    totalKb,
    ...extra,
  };
  if (raw.oldRssKb !== null) sample.oldRssKb = raw.oldRssKb;
  if (raw.buildRssKb !== null) sample.buildRssKb = raw.buildRssKb;
  if (raw.newRssKb !== null) sample.newRssKb = raw.newRssKb;
  if (raw.oomKillCounter !== null) sample.oomKillCounter = raw.oomKillCounter;
  return sample;
}
