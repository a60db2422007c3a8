// What gets deployed, sent to the host's new release directory: the current git commit (git
// archive), a local directory (tar), or fetched by the host itself from a git URL.
import type { DeployConfig } from '../config/schema.ts';
import { stripUserinfo } from '../core/redact.ts';
import type { LocalExecutor } from '../executors/local.ts';
import { check, type Executor } from '../executors/types.ts';
import { fetchRelease } from '../remote/commands.ts';
import { script } from '../remote/shell.ts';
import type { Uploader } from './context.ts';

export function uploaderFor(
  source: DeployConfig['app']['source'],
  local: LocalExecutor,
  opts: { artifact?: { dir: string; path: string } } = {},
): Uploader {
  const base = sourceUploader(source, local);
  const artifact = opts.artifact;
  if (!artifact) return base;
  // build.where 'local': the artifact built here goes up with the source, before the drain.
  return async (exec, dir, signal) => {
    const what = await base(exec, dir, signal);
    const producer = local.stream(['tar', '-C', artifact.dir, '-cf', '-', artifact.path], signal);
    await Promise.all([
      check(exec, script('release.extract', 'tar -xf - -C "$1"', [dir]), { signal, stdin: producer.stdout }),
      producer.done,
    ]);
    return `${what}; artifact ${artifact.path} built locally, uploaded`;
  };
}

/** Builds once, here, for `build.where: 'local'`; the hosts then skip their build step. */
export async function buildLocally(
  local: LocalExecutor,
  command: string,
  signal: AbortSignal,
): Promise<string> {
  const r = await local.run({ kind: 'local', argv: ['sh', '-c', command] }, { signal });
  if (r.code !== 0)
    throw new Error(
      `the local build failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n  ')}`,
    );
  return `built locally in ${Math.round(r.ms / 100) / 10} s`;
}

function sourceUploader(source: DeployConfig['app']['source'], local: LocalExecutor): Uploader {
  if ('git' in source)
    return async (exec, dir, signal) => {
      const r = await check(exec, fetchRelease(dir, source.git.url, source.git.ref), { signal });
      return `${stripUserinfo(source.git.url)}@${source.git.ref} (${r.stdout.trim()}) fetched by the host`;
    };
  const argv =
    'dir' in source
      ? ['tar', '-C', source.dir, '-cf', '-', '.']
      : ['git', 'archive', '--format=tar', source.commit];
  const what = describeSource(source);
  return async (exec: Executor, dir: string, signal: AbortSignal) => {
    const producer = local.stream(argv, signal);
    const [remote] = await Promise.all([
      check(exec, script('release.extract', 'tar -xf - -C "$1"', [dir]), { signal, stdin: producer.stdout }),
      producer.done,
    ]);
    return `${what} uploaded in ${Math.round(remote.ms)} ms`;
  };
}

/** What gets deployed, in words (credentials stripped): the upload's detail and the dry run's. */
export function describeSource(source: DeployConfig['app']['source']): string {
  if ('git' in source) return `${stripUserinfo(source.git.url)}@${source.git.ref}, fetched by the host`;
  return 'dir' in source ? `directory ${source.dir}` : `git ${source.commit}`;
}

/** Release ids sort by time, so pruning keeps the newest. */
export function releaseId(now: number, suffix?: string): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return suffix ? `${stamp}-${suffix}` : stamp;
}
