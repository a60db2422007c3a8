// What gets uploaded, through real tar processes; a local executor stands in for the host.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLocally, uploaderFor } from '../../src/engine/source.ts';
import { LocalExecutor } from '../../src/executors/local.ts';
import { baseConfig, edit } from '../helpers/config.ts';
import { kinds, runEngine } from '../helpers/engine.ts';

describe('build.where: local', () => {
  it('builds here, then uploads the source and the artifact into the release', async () => {
    const src = mkdtempSync(join(tmpdir(), 'handoff-src-'));
    writeFileSync(join(src, 'Main.java'), 'class Main {}\n');
    const signal = new AbortController().signal;
    expect(
      await buildLocally(
        new LocalExecutor(src),
        'mkdir -p build/libs && echo jar > build/libs/app.jar',
        signal,
      ),
    ).toMatch(/built locally/);
    const release = join(mkdtempSync(join(tmpdir(), 'handoff-rel-')), 'r1');
    mkdirSync(release);
    const upload = uploaderFor({ dir: src }, new LocalExecutor(src), {
      artifact: { dir: src, path: 'build/libs/app.jar' },
    });
    expect(await upload(new LocalExecutor(release), release, signal)).toMatch(
      /artifact build\/libs\/app.jar built locally, uploaded/,
    );
    expect(readFileSync(join(release, 'build/libs/app.jar'), 'utf8')).toBe('jar\n');
    expect(existsSync(join(release, 'Main.java'))).toBe(true);
  });

  it('a failing local build names its exit code and output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-src-'));
    await expect(
      buildLocally(
        new LocalExecutor(dir),
        'echo "compilation failed" >&2; exit 7',
        new AbortController().signal,
      ),
    ).rejects.toThrow(/the local build failed \(exit 7\): compilation failed/);
  });

  it('the hosts then skip their build step', async () => {
    const r = await runEngine({
      config: edit(baseConfig(), 'app.build', { where: 'local', command: 'make' }),
    });
    expect(r.run.exitCode).toBe(0);
    expect(kinds(r.log, 'a')).not.toContain('build.run');
  });
});
