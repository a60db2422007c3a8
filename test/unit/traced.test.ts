// HANDOFF_TRACE's decorator: one line per command with its kind, timing and exit code, never its
// text or input; the executor's capabilities kept as they were (the engine falls back on absence).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { limitTo, RecordingExecutor } from '../../src/executors/recording.ts';
import { type TraceLine, traced } from '../../src/executors/traced.ts';
import { capabilitiesOf } from '../../src/executors/types.ts';

const root = mkdtempSync(join(tmpdir(), 'handoff-trace-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TraceLine);

describe('traced executor (HANDOFF_TRACE)', () => {
  it('writes kind, host, transport, exit code and timing per command, and not the command text or input', async () => {
    const file = join(root, 'a.ndjson');
    const exec = traced(
      new RecordingExecutor('h1', [], (cmd) => (cmd.kind === 'build.run' ? { code: 3 } : undefined)),
      'ssm',
      file,
    );
    await exec.run({ kind: 'health.probe', argv: ['curl', 'http://127.0.0.1:8080/health'] });
    const before = Date.now();
    await exec.run({
      kind: 'build.run',
      argv: ['sh', '-c', 'gradle build'],
      input: { data: 'SECRET=hunter2', shown: 'SECRET=***' },
    });
    const after = Date.now();
    const [probe, build] = lines(file);
    expect(probe).toMatchObject({ host: 'h1', transport: 'ssm', via: 'run', kind: 'health.probe', code: 0 });
    expect(build).toMatchObject({ kind: 'build.run', code: 3 });
    expect(build!.ms).toBeGreaterThanOrEqual(0);
    // When it ran, between the clock read before and after it (was: within 5 s of now, a wall-clock bound).
    expect(build!.at).toBeGreaterThanOrEqual(before);
    expect(build!.at).toBeLessThanOrEqual(after);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('curl');
  });

  it('keeps exactly the capabilities the executor has, and records put and stream', async () => {
    const file = join(root, 'b.ndjson');
    const full = traced(new RecordingExecutor('h2'), 'ssh', file);
    expect(capabilitiesOf(full)).toEqual({ stream: true, put: true });
    await full.put!({ kind: 'release.extract', argv: ['tar', '-x'] }, Readable.from(['x']));
    await full.stream!({ kind: 'sampler', argv: ['sh'] }, () => {});
    expect(lines(file).map((l) => [l.via, l.kind])).toEqual([
      ['put', 'release.extract'],
      ['stream', 'sampler'],
    ]);
    const runOnly = traced(limitTo(new RecordingExecutor('h3'), {}), 'ssm', file);
    expect(capabilitiesOf(runOnly)).toEqual({ stream: false, put: false });
  });

  it('records a command that threw with code null, rethrows, and never fails on an unwritable file', async () => {
    const file = join(root, 'c.ndjson');
    const aborted = AbortSignal.abort();
    const exec = traced(new RecordingExecutor('h4'), 'ssm', file);
    await expect(exec.run({ kind: 'mark', argv: ['true'] }, { signal: aborted })).rejects.toThrow();
    expect(lines(file)[0]).toMatchObject({ kind: 'mark', code: null });
    const lost = traced(new RecordingExecutor('h5'), 'ssm', join(root, 'no', 'such', 'dir', 'f'));
    expect((await lost.run({ kind: 'mark', argv: ['true'] })).code).toBe(0);
  });
});
