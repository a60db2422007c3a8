// What the release being deployed declares for its Gradle build, read here before anything goes to
// a host: gradle.properties and the build scripts at the root of the source ({ dir }: the files;
// { commit }: `git show COMMIT:PATH` in the checkout, not the working tree). A source the host
// fetches itself ({ git }) is not read. The pure core turns the texts into a figure
// (src/memory/gradle.ts). Nothing (no error) when a file, git or the repository is missing.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DeployConfig } from '../../config/schema.ts';
import { type BuildJvm, type GradleFiles, gradleBuildJvms } from '../../memory/gradle.ts';

const SCRIPTS = ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'];

/** The JVMs the release's Gradle build will start, or undefined (not Gradle, or not readable here). */
export async function declaredGradleBuild(
  source: DeployConfig['app']['source'],
  cwd: string,
): Promise<BuildJvm[] | undefined> {
  try {
    const files = await readGradleFiles(source, cwd);
    return files ? gradleBuildJvms(files) : undefined;
  } catch {
    return undefined; // unreadable here: the budget falls back to its default, the deploy goes on
  }
}

async function readGradleFiles(
  source: DeployConfig['app']['source'],
  cwd: string,
): Promise<GradleFiles | undefined> {
  if ('git' in source) return undefined;
  const read =
    'dir' in source
      ? (name: string) => readFile(resolve(cwd, source.dir, name), 'utf8').catch(() => undefined)
      : (name: string) => gitShow(cwd, `${source.commit}:${name}`);
  const [properties, ...scripts] = await Promise.all(['gradle.properties', ...SCRIPTS].map(read));
  return {
    ...(properties === undefined ? {} : { properties }),
    scripts: scripts.filter((s): s is string => s !== undefined),
  };
}

function gitShow(cwd: string, object: string): Promise<string | undefined> {
  return new Promise((done) =>
    execFile('git', ['show', object], { cwd, timeout: 5000 }, (error, stdout) =>
      done(error ? undefined : stdout),
    ),
  );
}
