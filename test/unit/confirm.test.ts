// `deploy run` asks before touching hosts, only in an interactive terminal and never with --yes.
// The hosts here point at a closed port: a run that went on says "cannot reach", one that was
// cancelled never tried.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';
import { closedPort } from '../helpers/ports.ts';

const EOF = '(end of input)';

async function runWith(answer: string | undefined, args: string[], tty = true) {
  const dir = tempDir();
  const port = await closedPort();
  writeFileSync(join(dir, 'known_hosts'), '');
  const hosts = ['a', 'b'].map((name) => ({ name, host: '127.0.0.1', port, user: 'deploy' }));
  writeConfig(
    dir,
    edit(
      edit(edit(baseConfig(), 'hosts', hosts), 'ssh', { knownHostsPath: 'known_hosts', connectAttempts: 1 }),
      'report',
      {
        dir: 'report',
      },
    ),
  );
  const stdin = Object.assign(new PassThrough(), { isTTY: tty });
  if (answer === EOF) stdin.end();
  else if (answer !== undefined) stdin.end(`${answer}\n`);
  const io = { ...captureIo(dir), stdin };
  const code = await main(['run', ...args], io);
  return { code, err: io.err() };
}

describe('confirmation before a deploy', () => {
  it('shows what will happen and stops at "n": exit 2, no host contacted', async () => {
    const r = await runWith('n', []);
    expect(r.err).toMatch(
      /Deploy demo release \d{8}T\d{6}Z\S* to a, b, one host at a time\n {2}stop-first, drain by termination, about [\d.]+ s drained wait per host\nContinue\? \[y\/N\] /,
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('cancelled: no host was touched (pass --yes to skip this question)');
    expect(r.err).not.toContain('cannot reach');
  });

  it('an empty answer is no; --allow-downtime is spelled out in the question', async () => {
    const r = await runWith('', ['--allow-downtime']);
    expect(r.err).toContain('--allow-downtime: the last healthy target may be drained (an outage)');
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('cannot reach');
  });

  it('the end of input (Ctrl-D) is a no, not an error', async () => {
    const r = await runWith(EOF, []);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cancelled: no host was touched');
  });

  it('"y" goes on to the hosts', async () => {
    const r = await runWith('y', []);
    expect(r.err).toContain('Continue? [y/N]');
    expect(r.err).toMatch(/cannot reach a \(deploy@127\.0\.0\.1:\d+\)/);
  });

  it('--yes, or stdin that is not a terminal (CI, scripts), never asks', async () => {
    for (const r of [await runWith(undefined, ['--yes']), await runWith(undefined, [], false)]) {
      expect(r.err).not.toContain('Continue?');
      expect(r.err).toMatch(/cannot reach a/);
    }
  });

  it('--dry-run never asks: it changes nothing', async () => {
    const r = await runWith(undefined, ['--dry-run']);
    expect(r.err).not.toContain('Continue?');
    expect(r.code).toBe(0);
  });
});
