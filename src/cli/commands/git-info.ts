// The git commit behind a release, read from the repository here: for `app.source: { commit }`
// that commit, for `{ dir }` the HEAD of the repository holding the directory. Nothing (no error)
// when git or a repository is missing: a release without a commit is still a release.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { DeployConfig } from '../../config/schema.ts';
import type { ReleaseCommit } from '../../engine/source.ts';

export async function sourceCommit(
  source: DeployConfig['app']['source'],
  cwd: string,
): Promise<ReleaseCommit | undefined> {
  if ('git' in source) return undefined; // fetched by the host: its fetch reports the commit
  const [dir, ref] = 'dir' in source ? [resolve(cwd, source.dir), 'HEAD'] : [cwd, source.commit];
  // Unit separators: a subject may hold any printable character.
  const out = await git(dir, ['log', '-1', '--format=%H%x1f%an%x1f%s', ref, '--']);
  const [sha, author, subject] = out?.trim().split('\x1f') ?? [];
  if (!sha || author === undefined || subject === undefined) return undefined;
  return { sha, author, subject };
}

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((done) =>
    execFile('git', args, { cwd, timeout: 5000 }, (error, stdout) => done(error ? undefined : stdout)),
  );
}
