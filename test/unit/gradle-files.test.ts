// The release's Gradle files, read on this machine before the upload: from the directory, or from
// the commit being deployed (not the working tree), never for a source the host fetches itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredGradleBuild } from '../../src/cli/commands/gradle-files.ts';
import { tempDir } from '../helpers/config.ts';

const read = declaredGradleBuild;

describe('what the release declares for its build', () => {
  it('a directory source: its gradle.properties and build scripts, relative to the working directory', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'app'));
    writeFileSync(join(cwd, 'app', 'gradle.properties'), 'org.gradle.jvmargs=-Xmx700m\n');
    writeFileSync(join(cwd, 'app', 'build.gradle.kts'), 'plugins { kotlin("jvm") version "2.0.0" }\n');
    expect(await read({ dir: 'app' }, cwd)).toEqual([
      { role: 'Gradle daemon', args: '-Xmx700m', from: 'gradle.properties' },
      { role: 'Kotlin daemon', args: '-Xmx700m', from: "the Gradle daemon's heap" },
    ]);
  });

  it('a commit source: the file as committed, not as edited since', async () => {
    const cwd = tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=A', '-c', 'user.email=a@example.com', ...args], { cwd });
    git('init', '-q');
    writeFileSync(join(cwd, 'gradle.properties'), 'org.gradle.jvmargs=-Xmx640m\n');
    writeFileSync(join(cwd, 'settings.gradle'), "rootProject.name = 'shop'\n");
    git('add', '.');
    git('commit', '-q', '-m', 'memory');
    writeFileSync(join(cwd, 'gradle.properties'), 'org.gradle.jvmargs=-Xmx2g\n');
    expect(await read({ commit: 'HEAD' }, cwd)).toEqual([
      { role: 'Gradle daemon', args: '-Xmx640m', from: 'gradle.properties' },
    ]);
  });

  it('no Gradle file, no repository, or a source the host fetches: nothing declared', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'pom.xml'), '<project/>\n');
    expect(await read({ dir: '.' }, cwd)).toBeUndefined();
    expect(await read({ dir: 'missing' }, cwd)).toBeUndefined();
    expect(await read({ commit: 'HEAD' }, cwd)).toBeUndefined();
    expect(await read({ git: { url: 'https://example.com/shop.git', ref: 'main' } }, cwd)).toBeUndefined();
  });
});
