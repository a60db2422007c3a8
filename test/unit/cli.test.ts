// The command line people type: did-you-mean, `help <command>`, options before the command, JSON
// errors under --json, config discovery up the tree, TERM=dumb.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commandUsage, usage } from '../../src/cli/args.ts';
import { main } from '../../src/cli/main.ts';
import type { DeployEvent } from '../../src/engine/events.ts';
import { plainRenderer } from '../../src/render/plain.ts';
import { ttyRenderer } from '../../src/render/tty.ts';
import { runCli } from '../helpers/cli.ts';
import { baseConfig, captureIo, tempDir, writeConfig } from '../helpers/config.ts';

async function cli(argv: string[], cwd = tempDir()) {
  const io = captureIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('did you mean', () => {
  it.each([
    [['pln'], /unknown command 'pln' \(did you mean 'plan'\?\)/],
    [['rollbak'], /did you mean 'rollback'\?/],
    [['plan', '--jsn'], /unknown option '--jsn' for 'deploy plan' \(did you mean '--json'\?\)/],
    [['run', '--dryrun'], /did you mean '--dry-run'\?/],
    [['--jsn', 'plan'], /unknown option '--jsn' before the command \(did you mean '--json'\?\)/],
    [['completion', 'zhs'], /unknown shell 'zhs' for 'deploy completion' \(did you mean 'zsh'\?\)/],
    [['help', 'pln'], /did you mean 'plan'\?/],
  ])('%j', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/To specify a positional argument/); // parseArgs' own wording
  });

  it('without a near name, lists what there is', async () => {
    const r = await cli(['plan', '--frobnicate']);
    expect(r.err).toMatch(/its options: --config, --json, --hosts/);
    expect((await cli(['zzzzzzz'])).err).toContain(usage());
  });

  it('a missing value or a value on a flag is said in our words', async () => {
    expect((await cli(['plan', '--config'])).err).toMatch(/option '--config' needs a value/);
    expect((await cli(['plan', '--json=yes'])).err).toMatch(/option '--json' takes no value/);
  });
});

describe('the name it was invoked by', () => {
  it('help and usage errors say handoff when run as handoff', async () => {
    const as = async (argv: string[]) => {
      const io = { ...captureIo(tempDir()), bin: 'handoff' };
      const code = await main(argv, io);
      return { code, out: io.out(), err: io.err() };
    };
    expect((await as(['--help'])).out).toBe(`${usage('handoff')}\n`);
    expect((await as(['--help'])).out).toMatch(/^Usage: handoff \[--config FILE\]/);
    expect((await as(['--help'])).out).toMatch(
      /Run `handoff help <command>` \(or `handoff <command> --help`\)/,
    );
    expect((await as(['help', 'plan'])).out).toMatch(/^Usage: handoff plan \[options\]/);
    expect((await as(['pln'])).err).toMatch(/Run `handoff --help` for all commands/);
    expect((await as(['plan', '--jsn'])).err).toMatch(
      /unknown option '--jsn' for 'handoff plan'.*`handoff plan --help`/,
    );
    // The summaries keep their words: 'deploy host by host' is what run does, not a program name.
    expect((await as(['--help'])).out).toMatch(/run +deploy host by host/);
    expect((await cli(['--help'])).out).toMatch(/^Usage: deploy /);
  });

  it('the bin link as invoked decides: handoff, handoff.js, else deploy', async () => {
    const { programName } = await import('../../src/cli/program-name.ts');
    expect(programName('/app/node_modules/.bin/handoff')).toBe('handoff');
    expect(programName('/somewhere/handoff.js')).toBe('handoff');
    expect(programName('/app/node_modules/.bin/deploy')).toBe('deploy');
    expect(programName('/x/handoff-deploy/bin/deploy.js')).toBe('deploy');
    expect(programName(undefined)).toBe('deploy');
  });
});

describe('help', () => {
  it('`deploy help <command>` is that command’s usage, as `<command> --help` is', async () => {
    const a = await cli(['help', 'plan']);
    expect(a).toMatchObject({ code: 0, out: `${commandUsage('plan')}\n` });
    expect((await cli(['plan', '--help'])).out).toBe(a.out);
    expect((await cli(['--help', 'plan'])).out).toBe(a.out);
    expect((await cli(['help'])).out).toBe(`${usage()}\n`);
    expect(a.out).toMatch(/--config <file>/);
  });
});

describe('options before the command', () => {
  it('deploy -c FILE plan and deploy --json plan read as plan -c FILE --json', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig(), 'other.config.ts');
    const r = await cli(['-c', 'other.config.ts', '--json', 'plan'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ version: 1, app: 'demo' });
    expect((await cli(['--config=other.config.ts', 'plan'], dir)).code).toBe(0);
  });

  it('an option the command does not take is refused as for any option', async () => {
    const r = await cli(['--json', 'init']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option '--json' for 'deploy init'/);
  });
});

describe('errors under --json', () => {
  it('status --json without a config: one JSON document on stdout with the error and exit code', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ version: 1, exitCode: 2, error: { kind: 'config' } });
    expect(doc.error.message).toMatch(/no deploy\.config\.ts/);
    expect(r.err).toMatch(/^error: /); // people still read stderr
  });

  it.each([
    ['plan', '--json', '--jsn'],
    ['history', '--json', '--hosts'],
    ['run', '--json', '--strategy', 'yolo'],
    ['rollback', '--json', '--wait-lock', 'soon'],
    ['sample', '--json'],
  ])('%s %s %s %s', async (...argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out); // exactly one document: JSON.parse fails on two
    expect(doc).toMatchObject({
      version: 1,
      exitCode: 2,
      error: { kind: expect.stringMatching(/usage|config/) },
    });
    expect(doc.error.message).not.toContain('Usage:'); // the error, not the help text
  });

  it('a config error carries its issues', async () => {
    const dir = tempDir();
    writeConfig(dir, { ...baseConfig(), strategy: 'yolo' });
    const doc = JSON.parse((await cli(['plan', '--json'], dir)).out);
    expect(doc.error.kind).toBe('config');
    expect(doc.error.issues).toEqual([expect.objectContaining({ path: 'strategy' })]);
  });
});

describe('config discovery', () => {
  it('finds deploy.config.ts in a parent directory and runs from there', async () => {
    const repo = tempDir();
    writeConfig(repo, baseConfig());
    const sub = join(repo, 'src', 'main');
    mkdirSync(sub, { recursive: true });
    const r = await cli(['plan', '--json'], sub);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).app).toBe('demo');
    expect(r.err).toMatch(/using \.\.\/\.\.\/deploy\.config\.ts \(paths are relative to .*cfg-\w+\)/);
  });

  it('stops at the repository root: a config above it is not this repository’s', async () => {
    const outer = tempDir();
    writeConfig(outer, baseConfig());
    const repo = join(outer, 'app');
    mkdirSync(join(repo, '.git'), { recursive: true });
    const r = await cli(['plan'], repo);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no deploy\.config\.ts, .* in .*app/);
  });

  it('a worktree or submodule root (.git is a file) is a repository root too', async () => {
    const outer = tempDir();
    writeConfig(outer, baseConfig());
    const repo = join(outer, 'wt');
    mkdirSync(join(repo, 'sub'), { recursive: true });
    writeFileSync(join(repo, '.git'), 'gitdir: /elsewhere\n');
    const r = await cli(['plan'], join(repo, 'sub'));
    expect(r.err).toMatch(/no deploy\.config\.ts, .* in .*sub or a parent up to .*wt/);
  });
});

describe('TERM=dumb', () => {
  it('gets plain lines: no cursor movement, no colour', () => {
    const events: DeployEvent[] = [
      { at: 0, kind: 'step:start', host: 'a', step: 'wait' },
      { at: 1, kind: 'wait:tick', host: 'a', elapsedSeconds: 1, boundSeconds: 17, note: 'draining' },
      { at: 2, kind: 'step:end', host: 'a', step: 'wait', ok: true, detail: 'drained', ms: 2000 },
    ];
    const render = (env: NodeJS.ProcessEnv) => {
      let text = '';
      const out = new Writable({
        write(chunk, _e, cb) {
          text += String(chunk);
          cb();
        },
      });
      const r = ttyRenderer(out, env);
      for (const e of events) r(e);
      return text;
    };
    const cursor = new RegExp(`${String.fromCharCode(27)}|\r`); // ESC sequences, carriage return
    expect(render({ TERM: 'xterm-256color' })).toMatch(cursor); // the live line really uses them
    expect(render({ TERM: 'dumb' })).not.toMatch(cursor);
    expect(render({ TERM: 'dumb' })).toMatch(/wait/);
  });
});

describe('the built CLI', () => {
  it('answers the same through bin/deploy.js', async () => {
    const { code, stderr } = await runCli(['pln'], tempDir());
    expect(code).toBe(2);
    expect(stderr).toMatch(/did you mean 'plan'/);
  });
});

describe('uncommitted changes', () => {
  it('plan says they are not deployed when the source is a commit, and stops saying so once committed', async () => {
    const repo = tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
    git('init', '-q');
    writeConfig(repo, baseConfig()); // app.source defaults to { commit: 'HEAD' }
    writeFileSync(join(repo, 'App.java'), 'class App {}\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    writeFileSync(join(repo, 'App.java'), 'class App { int x; }\n');
    const dirty = await cli(['plan', '--json'], repo);
    expect(JSON.parse(dirty.out).warnings).toContainEqual(
      expect.stringMatching(/^uncommitted changes are not deployed: app\.source is commit HEAD .*App\.java/),
    );
    git('commit', '-q', '-am', 'second');
    const clean = await cli(['plan', '--json'], repo);
    expect(JSON.parse(clean.out).warnings.join('\n')).not.toMatch(/uncommitted/);
  });
});

describe('dry-run time', () => {
  const events = (dryRun: boolean): DeployEvent[] => [
    {
      at: Date.parse('2026-11-20T10:00:00Z'),
      kind: 'deploy:start',
      app: 'a',
      hosts: ['h'],
      releaseId: 'r',
      strategy: 's',
      mode: 'm',
      dryRun,
    },
    { at: Date.parse('2026-11-20T10:00:58Z'), kind: 'host:end', host: 'h', result: 'deployed' },
  ];
  const lines = (dryRun: boolean) => {
    let text = '';
    const r = plainRenderer(
      new Writable({
        write(chunk, _e, cb) {
          text += String(chunk);
          cb();
        },
      }),
    );
    for (const e of events(dryRun)) r(e);
    return text.trim().split('\n');
  };

  it('is relative and labelled virtual in a dry run, the time of day in a real one', () => {
    const dry = lines(true);
    expect(dry[0]).toMatch(/^\+0\.0s .*DRY RUN: virtual time/);
    expect(dry[1]).toBe('+58.0s [h] deployed');
    expect(lines(false)[1]).toBe('10:00:58 [h] deployed');
  });
});
