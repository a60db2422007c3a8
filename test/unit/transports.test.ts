// Transports with explicit capabilities (docs/architecture.md, "Transports"): an executor with
// only `run` still uploads a release and still yields the complete 1-Hz memory series, through the
// fallbacks, run for real here (sh, base64, tar, setsid and the sampler's awk on this machine).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
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
import { capabilitiesOf } from '../../src/executors/types.ts';
import { startSampler } from '../../src/memory/collect.ts';
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

describe('the sampler without stream', () => {
  it.skipIf(!hasSetsid)(
    'runs detached, is read back from its file, keeps every tick, and is gone after stop',
    async () => {
      const marks = join(root, 'marks');
      const exec = limitTo(new LocalExecutor(root), {});
      expect(capabilitiesOf(exec)).toEqual({ stream: false, put: false });
      const t0 = Date.now();
      const run = startSampler(exec, {
        host: 'h',
        marksDir: marks,
        intervalSeconds: 0.5,
        source: 'meminfo',
        startEpochMs: t0,
        pollMs: 700,
      });
      expect(await run.first(5000)).toBeDefined();
      await new Promise((r) => setTimeout(r, 3000));
      const { samples, errors } = await run.stop();
      const seconds = (Date.now() - t0) / 1000;
      expect(errors).toEqual([]);
      // Every tick arrives, only later: about two a second over the whole run, none missing.
      expect(samples.length).toBeGreaterThanOrEqual(Math.floor(seconds * 2) - 3);
      const gaps = samples.slice(1).map((s, i) => s.t - samples[i]!.t);
      expect(Math.max(...gaps)).toBeLessThan(1.2);
      // Stopped and cleaned up: no sampler left running, no file left behind.
      expect(processesWith(`sampler-${t0}.out`)).toEqual([]);
      expect(existsSync(join(marks, `sampler-${t0}.out`))).toBe(false);
    },
    20_000,
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
