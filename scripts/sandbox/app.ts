// The sandbox app on the machine's side: compiles the FakeGradle tool once into .sandbox/tools and
// produces the initial release (sources + build.sh + a jar really built by FakeGradle).
import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR, SANDBOX_DIR } from './contract.ts';
import { run } from './proc.ts';

export const APP_SOURCE_DIR = path.join(REPO_DIR, 'sandbox', 'app');
export const TOOLS_DIR = path.join(SANDBOX_DIR, 'tools');

const mtime = (f: string) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0);

/** javac FakeGradle into .sandbox/tools unless the class is newer than its source. */
export async function compileTools(): Promise<string> {
  const src = path.join(APP_SOURCE_DIR, 'src', 'FakeGradle.java');
  const cls = path.join(TOOLS_DIR, 'FakeGradle.class');
  if (mtime(cls) < mtime(src)) {
    fs.mkdirSync(TOOLS_DIR, { recursive: true });
    await run('javac', ['--release', '17', '-d', TOOLS_DIR, src]);
  }
  return TOOLS_DIR;
}

/** What a deploy uploads: the app directory without build output. */
export function copyAppSources(dest: string): void {
  fs.mkdirSync(dest, { recursive: true });
  fs.cpSync(APP_SOURCE_DIR, dest, {
    recursive: true,
    filter: (src) => path.relative(APP_SOURCE_DIR, src).split(path.sep)[0] !== 'build',
  });
}

/**
 * A release directory with build/app.jar, built by FakeGradle with no hold time (the slow, hungry
 * build is for deploys; the initial release just has to exist). Returns the jar path.
 */
export async function buildRelease(dest: string, version: string): Promise<string> {
  const tools = await compileTools();
  copyAppSources(dest);
  fs.writeFileSync(path.join(dest, 'VERSION'), `${version}\n`);
  await run('sh', [
    '-c',
    `cd "$1" && exec java -Xmx128m -cp "$2" FakeGradle --seconds 0 --mb 0`,
    'sh',
    dest,
    tools,
  ]);
  const jar = path.join(dest, 'build', 'app.jar');
  if (!fs.existsSync(jar)) throw new Error(`FakeGradle did not produce ${jar}`);
  return jar;
}

// `node scripts/sandbox/app.ts [DIR]`: build a release into DIR (default .sandbox/releases/prebuilt).
if (import.meta.main) {
  const dest = path.resolve(process.argv[2] ?? path.join(SANDBOX_DIR, 'releases', 'prebuilt'));
  console.log(await buildRelease(dest, process.env.APP_VERSION ?? 'prebuilt'));
}
