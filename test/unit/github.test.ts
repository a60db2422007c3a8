// The GitHub Actions renderer: one group per host, annotations naming step and host, escaping, and
// the renderer choice by environment. Real events from the engine, not hand-made ones.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { renderers } from '../../src/cli/commands/renderers.ts';
import { main } from '../../src/cli/main.ts';
import type { DeployEvent } from '../../src/engine/events.ts';
import { escapeData, escapeProperty, githubRenderer, workflowCommand } from '../../src/render/github.ts';
import { baseConfig, captureIo, edit, tempDir, writeConfig } from '../helpers/config.ts';
import { runEngine } from '../helpers/engine.ts';
import { closedPort } from '../helpers/ports.ts';

const withPrevious = (_host: string, cmd: { kind: string }) =>
  cmd.kind === 'state.read' ? { stdout: 'current=r1\npid=4242\nstate=alive\n' } : undefined;

function render(events: DeployEvent[]): string[] {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  const r = githubRenderer(out);
  for (const e of events) r(e);
  return text.split('\n').slice(0, -1);
}

describe('workflow command escaping', () => {
  it('escapes % CR LF in data, and also : and , in properties', () => {
    expect(escapeData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b');
    expect(escapeProperty('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext%3A a%2Cb');
    // % first: an escape sequence in the input must not be decoded by the runner
    expect(escapeData('%0A')).toBe('%250A');
    expect(workflowCommand('error', { title: 'build failed on web:1,a' }, 'x\ny')).toBe(
      '::error title=build failed on web%3A1%2Ca::x%0Ay',
    );
  });
});

describe('githubRenderer', () => {
  it('a successful two-host deploy: one group per host, plain lines inside, no annotation', async () => {
    const { events } = await runEngine({ respond: withPrevious });
    const lines = render(events);
    expect(lines.filter((l) => l.startsWith('::group::'))).toEqual(['::group::a', '::group::b']);
    expect(lines.filter((l) => l === '::endgroup::')).toHaveLength(2);
    const a = lines.slice(lines.indexOf('::group::a'), lines.indexOf('::group::b'));
    expect(a.at(-1)).toBe('::endgroup::');
    // closed as soon as the host ends, so bookkeeping after it is not filed under the host
    expect(a.at(-2)).toMatch(/\[a\] deployed$/);
    expect(a.some((l) => /\[a\] build ok/.test(l))).toBe(true);
    expect(a.some((l) => l.includes('[b]'))).toBe(false);
    expect(lines.some((l) => /^::(error|warning)/.test(l))).toBe(false);
  });

  it('a failed build: ::error naming step and host, a rollback warning, groups still balanced', async () => {
    const { events } = await runEngine({
      respond: (host, cmd) =>
        host === 'a' && cmd.kind === 'build.run'
          ? {
              code: 1,
              stderr: 'BUILD FAILED: 100% of tests\n> Task :test, :check\n::warning::not from handoff',
            }
          : withPrevious(host, cmd),
    });
    const lines = render(events);
    const error = lines.find((l) => l.startsWith('::error '));
    expect(error).toMatch(/^::error title=build failed on a::build\.run failed on a \(exit 1\)/);
    // the multi-line detail stays one command line, escaped; ':' stays literal in data
    expect(error).toMatch(
      /BUILD FAILED: 100%25 of tests%0A {4}> Task :test, :check%0A {4}::warning::not from handoff$/,
    );
    expect(lines.some((l) => l.startsWith('::warning title=rolling back a::'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('::group::'))).toEqual(['::group::a']); // b never started
    expect(lines.filter((l) => l === '::endgroup::')).toHaveLength(1);
    // no line of the build output may be parsed as a command: the plain line is fenced by stop-commands
    const stop = lines.findIndex((l) => l.startsWith('::stop-commands::'));
    const token = lines[stop]?.slice('::stop-commands::'.length);
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.indexOf(`::${token}::`)).toBeGreaterThan(stop);
  });

  it('a failed rollback is an error annotation that asks for a person', async () => {
    const { events } = await runEngine({
      respond: (host, cmd) => {
        if (host === 'a' && cmd.kind === 'build.run') return { code: 1 };
        if (host === 'a' && cmd.kind === 'health.probe') return { stdout: '000' };
        return withPrevious(host, cmd);
      },
    });
    const lines = render(events);
    expect(lines.some((l) => /^::error title=rollback failed on a::.*a person is needed/.test(l))).toBe(true);
  });

  it('warn logs become ::warning, with the host in the title', () => {
    const lines = render([
      { at: 0, kind: 'log', host: 'web,1', level: 'warn', message: 'bookkeeping failed: 1%\nretry' },
      { at: 0, kind: 'log', level: 'info', message: 'hello' },
    ]);
    expect(lines[0]).toBe('::warning title=handoff%3A web%2C1::bookkeeping failed: 1%25%0Aretry');
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d hello$/);
  });

  it('closes an open group at the end and annotates a failure no step reported', () => {
    const lines = render([
      { at: 0, kind: 'host:start', host: 'a', index: 0, total: 1 },
      { at: 0, kind: 'deploy:end', result: 'rolled-back', exitCode: 1 },
    ]);
    expect(lines[0]).toBe('::group::a');
    expect(lines.indexOf('::endgroup::')).toBeLessThan(lines.findIndex((l) => l.includes('(exit 1)')));
    expect(lines.at(-1)).toMatch(/^::error title=deploy rolled-back::exit 1/);
  });
});

describe('renderer choice', () => {
  const sink = (isTTY: boolean) => {
    let text = '';
    const out = Object.assign(
      new Writable({
        write(chunk, _enc, cb) {
          text += String(chunk);
          cb();
        },
      }),
      { isTTY },
    );
    return { out, text: () => text };
  };
  const failed: DeployEvent = {
    at: 0,
    kind: 'step:end',
    host: 'a',
    step: 'build',
    ok: false,
    detail: 'x',
    ms: 0,
  };

  it('GitHub Actions wins over a TTY; a TTY gets the live status line; else plain lines', () => {
    const tick: DeployEvent = {
      at: 0,
      kind: 'wait:tick',
      host: 'a',
      elapsedSeconds: 3,
      boundSeconds: 17,
      note: 'drain',
    };
    const gh = sink(true);
    renderers(gh.out, { GITHUB_ACTIONS: 'true' })(failed);
    expect(gh.text()).toContain('::error title=build failed on a::x');
    const tty = sink(true);
    const ttyRender = renderers(tty.out, { TERM: 'xterm', GITHUB_ACTIONS: 'false' });
    ttyRender(tick);
    expect(tty.text()).toContain('waiting 3/17 s (drain)');
    const plain = sink(false);
    const plainRender = renderers(plain.out, {});
    plainRender(tick);
    plainRender(failed);
    expect(plain.text()).toMatch(/^\d\d:\d\d:\d\d \[a\] build FAILED \(0\.0 s\) x\n$/);
  });
});

describe('failures before the engine reports one', () => {
  const gh = (cwd: string) => ({
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dirname(cwd),
    GITHUB_STEP_SUMMARY: join(cwd, 'summary.md'),
  });
  const annotations = (text: string) => text.split('\n').filter((l) => l.startsWith('::'));

  it('each config issue is an ::error on the config file, relative to the workspace', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(edit(baseConfig(), 'app.port', '8080'), 'drain.marginSeconds', -1));
    const io = captureIo(dir, gh(dir));
    expect(await main(['plan'], io)).toBe(2);
    const file = `${basename(dir)}/deploy.config.ts`;
    expect(annotations(io.err())).toEqual([
      `::error file=${file},title=invalid deploy config::app.port: expected number, got string "8080"`,
      expect.stringMatching(
        new RegExp(`^::error file=${file},title=invalid deploy config::drain\\.marginSeconds: must be >=0`),
      ),
    ]);
    // the run page says why, where the deploy's summary would have been
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(
      /^## handoff: deploy refused: nothing was changed\n\n```text\n.*deploy\.config\.ts: 2 config errors\n {2}app\.port: expected number, got string "8080"\n/s,
    );
    // outside Actions the same failure prints no workflow commands
    const local = captureIo(dir, {});
    expect(await main(['plan'], local)).toBe(2);
    expect(annotations(local.err())).toEqual([]);
  });

  it('a missing config file is annotated on the path that was looked for', async () => {
    const dir = tempDir();
    const io = captureIo(dir, gh(dir));
    expect(await main(['plan'], io)).toBe(2);
    expect(annotations(io.err())).toEqual([
      expect.stringMatching(
        new RegExp(`^::error file=${basename(dir)}/deploy\\.config\\.ts,title=invalid deploy config::`),
      ),
    ]);
  });

  it('an unreachable host stops `deploy run` with an annotation that names host and fix', async () => {
    const dir = tempDir();
    const port = await closedPort();
    writeFileSync(join(dir, 'known_hosts'), '');
    const config = edit(
      edit(edit(baseConfig(), 'hosts', [{ name: 'a', host: '127.0.0.1', port, user: 'deploy' }]), 'ssh', {
        knownHostsPath: 'known_hosts',
        connectTimeoutSeconds: 2,
      }),
      'report',
      { dir: 'report' },
    );
    writeConfig(dir, config);
    const io = captureIo(dir, gh(dir));
    expect(await main(['run', '--allow-downtime'], io)).toBe(2);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain(
      `cannot reach a (deploy@127.0.0.1:${port})`,
    );
    const [annotation, ...more] = annotations(io.err());
    expect(more).toEqual([]);
    expect(annotation).toMatch(
      new RegExp(
        `^::error title=deploy refused%3A nothing was changed::cannot reach a \\(deploy@127\\.0\\.0\\.1:${port}\\): connect ECONNREFUSED .*is sshd running`,
      ),
    );
  });
});
