// The git commit behind each release: read here (sha, author, subject), written into the release
// directory on the host, recorded in history.jsonl, shown by `deploy history`, the report, the
// summary and report.html.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceCommit } from '../../src/cli/commands/git-info.ts';
import { formatHistory } from '../../src/cli/commands/hosts-info.ts';
import { main } from '../../src/cli/main.ts';
import { reportHtml } from '../../src/report/html.ts';
import { buildReport } from '../../src/report/report.ts';
import { summaryMarkdown } from '../../src/report/summary.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';

function repo(): { dir: string; sha: string } {
  const dir = tempDir();
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  git('init', '-q');
  writeFileSync(join(dir, 'App.java'), 'class App {}\n');
  writeConfig(dir, edit(baseConfig(), 'app.source', { commit: 'HEAD' }));
  git('add', '.');
  git('commit', '-q', '-m', 'Checkout: pay by card');
  return { dir, sha: git('rev-parse', 'HEAD').trim() };
}

describe('the commit of a release', () => {
  it('is read from the repository for a commit source, and for a directory source (HEAD)', async () => {
    const { dir, sha } = repo();
    const commit = { sha, author: 'Ada Lovelace', subject: 'Checkout: pay by card' };
    expect(await sourceCommit({ commit: 'HEAD' }, dir)).toEqual(commit);
    expect(await sourceCommit({ dir: '.' }, dir)).toEqual(commit);
    expect(await sourceCommit({ commit: 'HEAD' }, tempDir())).toBeUndefined(); // no repository
  });

  it('a dry run writes it into the release directory and into the history entry', async () => {
    const { dir, sha } = repo();
    const io = captureIo(dir);
    expect(await main(['run', '--dry-run'], io)).toBe(0);
    const out = io.out();
    const describe = out.split('\n').filter((l) => /^ {2}a +release\.describe/.test(l));
    expect(describe).toHaveLength(1);
    expect(describe[0]).toContain('/srv/demo/releases/');
    expect(describe[0]).toContain(`"sha":"${sha}"`);
    const history = out.split('\n').find((l) => /^ {2}a +history\.append/.test(l));
    expect(history).toContain(
      `"commit":{"sha":"${sha}","author":"Ada Lovelace","subject":"Checkout: pay by card"}`,
    );
  });

  const commit = {
    sha: '0123456789abcdef0123456789abcdef01234567',
    author: 'Ada',
    subject: 'Fix | the <b>cart</b>',
  };
  const report = buildReport(
    {
      result: 'deployed',
      exitCode: 0,
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:01:00.000Z',
      hosts: [],
    },
    { app: 'shop', releaseId: 'r1', strategy: 'stop-first', drainMode: 'termination', dryRun: false, commit },
  );

  it('is in the report, the summary and report.html', () => {
    expect(report.commit).toEqual(commit);
    expect(summaryMarkdown(report)).toContain('Commit `0123456789ab` by Ada: Fix \\| the <b>cart</b>');
    const html = reportHtml(report, null);
    expect(html).toContain('0123456789ab');
    expect(html).toContain('Fix | the &lt;b&gt;cart&lt;/b&gt;');
  });

  it('deploy history shows it beside each release', () => {
    const text = formatHistory('web-1', [
      { release: 'r1', from: null, result: 'deployed', at: '2026-01-01T00:00:00Z', by: 'ci', commit },
      { release: 'r0', from: null, result: 'deployed', at: '2025-12-31T00:00:00Z', by: 'ci' },
    ]);
    expect(text).toContain('-> r1  by ci  0123456789ab Ada: Fix | the <b>cart</b>');
    expect(text.split('\n')[2]).toMatch(/-> r0 +by ci$/);
  });
});
