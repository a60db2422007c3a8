// Transports with explicit capabilities (docs/architecture.md, "Transports"): an executor with
// only `run` still uploads a release and still yields the complete 1-Hz memory series, through the
// fallbacks, run for real here (sh, base64, tar, setsid and the sampler's awk on this machine).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { PIECE_BYTES, uploaderFor } from '../../src/engine/source.ts';
import { LocalExecutor } from '../../src/executors/local.ts';
import { limitTo, RecordingExecutor } from '../../src/executors/recording.ts';
import { around, capabilitiesOf } from '../../src/executors/types.ts';
import { startSampler } from '../../src/memory/collect.ts';
import { parseSamplerLine, toMemorySample } from '../../src/sampler/parse.ts';
import { TRANSPORTS, transportFor } from '../../src/transports/registry.ts';
import { baseConfig, edit } from '../helpers/config.ts';

const root = mkdtempSync(join(tmpdir(), 'handoff-transports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const never = new AbortController().signal;

function sourceDir(): { dir: string; payload: Buffer } {
  const dir = join(root, `src-${randomBytes(3).toString('hex')}`);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  // Random bytes do not compress: the tar is over three pieces long.
  const payload = randomBytes(Math.round(PIECE_BYTES * 3.5));
  writeFileSync(join(dir, 'sub', 'blob.bin'), payload);
  writeFileSync(join(dir, 'app.txt'), 'hello\n');
  return { dir, payload };
}

describe('uploads', () => {
  for (const put of [true, false])
    it(`${put ? 'with' : 'without'} put: the release holds the source byte for byte`, async () => {
      const { dir, payload } = sourceDir();
      const release = join(root, `release-${put}`);
      mkdirSync(release);
      const recorded = new RecordingExecutor('h', []);
      const local = new LocalExecutor(root);
      // The "host" runs commands here for real; the recording twin shows which ones went.
      const host = limitTo(
        {
          name: 'h',
          run: async (cmd, o) => {
            await recorded.run(cmd);
            return local.run(cmd, o);
          },
          put: async (cmd, stdin, o) => {
            await recorded.run(cmd);
            return local.put(cmd, stdin, o);
          },
          close: async () => undefined,
        },
        { put },
      );
      expect(capabilitiesOf(host).put).toBe(put);
      const detail = await uploaderFor({ dir }, local)(host, release, never);
      expect(readFileSync(join(release, 'sub', 'blob.bin')).equals(payload)).toBe(true);
      expect(readFileSync(join(release, 'app.txt'), 'utf8')).toBe('hello\n');
      expect(existsSync(join(release, '.handoff-upload.tar'))).toBe(false);
      const kinds = recorded.log.map((r) => r.kind);
      if (put) {
        expect(kinds).toEqual(['release.extract']);
        expect(detail).not.toMatch(/piece/);
      } else {
        const pieces = kinds.filter((k) => k === 'release.chunk').length;
        expect(pieces).toBeGreaterThanOrEqual(4);
        expect(kinds).toEqual([...Array(pieces).fill('release.chunk'), 'release.extract']);
        expect(detail).toMatch(new RegExp(`${pieces} piece\\(s\\) through run`));
      }
    });
});

const hasSetsid = spawnSync('setsid', ['true']).status === 0;

/** PIDs of processes whose command line holds `text`. */
function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Is any live (not zombie) process in group `pgid`? */
function groupAlive(pgid: number): boolean {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .some((d) => {
      try {
        const [state, , pgrp] = readFileSync(`/proc/${d}/stat`, 'utf8')
          .replace(/^.*\) /, '')
          .split(' ');
        return Number(pgrp) === pgid && state !== 'Z';
      } catch {
        return false; // gone meanwhile
      }
    });
}

/** Waits for `ok`; `ms` only ends a run that hangs. */
async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the sampler without stream', () => {
  // Counted against what the sampler itself wrote, not against the test's clock: at load 15-22 the
  // spawn alone took seconds, so "two ticks a second since the test began" failed (26 of 27) while
  // every tick written was read. Every wait here is for an event; the bounds only end a hung run.
  it.skipIf(!hasSetsid)(
    'runs detached, is read back from its file, keeps every tick, and is gone after stop',
    async () => {
      const marks = join(root, 'marks');
      mkdirSync(marks, { recursive: true });
      writeFileSync(join(marks, 'step'), 'early');
      const t0 = Date.now();
      const file = join(marks, `sampler-${t0}.out`);
      const copy = join(marks, 'written.out');
      let pgid = 0;
      let dataReads = 0;
      const exec = around(limitTo(new LocalExecutor(root), {}), async (_via, cmd, opts, call) => {
        // A second name for the file before the stop removes it: what the sampler wrote, all of it.
        if (cmd.kind === 'sampler.stop') linkSync(file, copy);
        const r = await call(opts);
        if (cmd.kind === 'sampler.spawn') pgid = Number(r.stdout.trim());
        if (cmd.kind === 'sampler.read' && r.stdout) dataReads++;
        return r;
      });
      expect(capabilitiesOf(exec)).toEqual({ stream: false, put: false });
      const run = startSampler(exec, {
        host: 'h',
        marksDir: marks,
        intervalSeconds: 0.5,
        source: 'meminfo',
        startEpochMs: t0,
        pollMs: 700,
      });
      expect(await run.first(30_000)).toBeDefined();
      // Several reads that found new lines: each one starts where the last one ended.
      await until('three reads with new lines', () => dataReads >= 3, 30_000);
      // A tick after this step mark proves the sampler still ran when stop was called.
      writeFileSync(join(marks, 'step'), 'late');
      await until('a tick after the mark', () => / late$/m.test(readFileSync(file, 'utf8')), 30_000);
      const { samples, errors } = await run.stop();
      expect(errors).toEqual([]);
      // Stopped: the whole group gone (nothing writes the file any more), no file left behind.
      expect(pgid).toBeGreaterThan(1);
      await until('the sampler group to end', () => !groupAlive(pgid), 10_000);
      expect(processesWith(`sampler-${t0}.out`)).toEqual([]);
      expect(existsSync(file)).toBe(false);
      // Every tick the sampler wrote was read back, once each and in order, none made up.
      const written = readFileSync(copy, 'utf8')
        .split('\n')
        .map((l) => parseSamplerLine(l))
        .flatMap((p) => (p.kind === 'sample' ? [toMemorySample(p, { host: 'h', startEpochMs: t0 })] : []));
      expect(written.length).toBeGreaterThan(3);
      expect(samples).toEqual(written);
      expect(samples.map((s) => s.step)).toContain('early');
      expect(samples.at(-1)?.step).toBe('late');
      // At the interval it was given, in its own time (the median, so a tick the load delayed does not decide).
      const gaps = samples
        .slice(1)
        .map((s, i) => s.t - samples[i]!.t)
        .sort((a, b) => a - b);
      // 0.45-0.75 s: a sampler on 1 s or 0.25 s goes out of it.
      const median = gaps[Math.floor(gaps.length / 2)]!;
      expect(median).toBeGreaterThanOrEqual(0.45);
      expect(median).toBeLessThanOrEqual(0.75);
    },
    120_000,
  );

  it('the commands it sends: spawn, reads, stop (none of them a streamed sampler)', async () => {
    const rec = new RecordingExecutor('h', [], (cmd) =>
      cmd.kind === 'sampler.spawn' ? { stdout: '4711\n' } : undefined,
    );
    const run = startSampler(limitTo(rec, {}), {
      host: 'h',
      marksDir: '/srv/app/.handoff/marks',
      intervalSeconds: 1,
      source: 'auto',
      startEpochMs: 1,
      pollMs: 20,
    });
    await new Promise((r) => setTimeout(r, 100));
    await run.stop();
    const kinds = rec.log.map((r) => r.kind);
    expect(kinds[0]).toBe('sampler.spawn');
    expect(kinds.at(-1)).toBe('sampler.stop');
    expect(kinds.filter((k) => k === 'sampler.read').length).toBeGreaterThanOrEqual(2);
    expect(kinds).not.toContain('sampler');
    // The whole group (the wrapper and the sampler), by the id spawn printed.
    expect(rec.log.at(-1)!.command).toContain('kill -s TERM -- "-$2"');
    expect(rec.log.at(-1)!.command).toMatch(/ 4711 /);
  });
});

describe('the transport registry', () => {
  it('ssh is the default, a host may name its own, an unknown name is a config error', () => {
    const parsed = validateConfig(baseConfig());
    if (!parsed.ok) throw new Error('base config invalid');
    expect(parsed.config.transport).toBe('ssh');
    expect(transportFor(parsed.config, { transport: undefined })).toBe(TRANSPORTS.ssh);
    expect(TRANSPORTS.ssh.capabilities).toEqual({ stream: true, put: true });
    const bad = validateConfig(edit(baseConfig(), 'transport', 'telnet'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path)).toContain('transport');
    const perHost = validateConfig(edit(baseConfig(), 'hosts.0.transport', 'carrier-pigeon'));
    expect(perHost.ok).toBe(false);
  });
});
