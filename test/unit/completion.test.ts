// `deploy completion <shell>`: each script loaded into the real shell and asked to complete, as a
// person pressing Tab would (bash: its completion function; fish: `complete -C`; zsh: a real
// interactive zsh in a pseudo-terminal). A shell that is not installed fails the test in CI
// (scripts/ensure-tools.ts installs them) and skips elsewhere, saying so.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/completion.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/config.ts';

const has = (bin: string) => existsSync(`/usr/bin/${bin}`) || !!process.env.CI;
const script = (shell: 'bash' | 'zsh' | 'fish') => {
  const file = join(tempDir(), `completion.${shell}`);
  writeFileSync(file, completionScript(shell));
  return file;
};

// What each shell should make of a half-typed line.
const CASES: [string, string[]][] = [
  ['deploy pl', ['plan']],
  ['deploy plan --js', ['--json']],
  ['deploy -c x.ts pl', ['plan']],
  ['deploy completion ', ['bash', 'fish', 'zsh']],
  ['deploy run --strategy ', ['auto', 'build-first', 'stop-first', 'swap']],
  ['handoff help rollb', ['rollback']],
  ['deploy init --no', ['--no-workflow']],
];

describe('completion scripts', () => {
  it('the command prints the script, and refuses an unknown shell', async () => {
    const dir = tempDir();
    const r = await runCli(['completion', 'bash'], dir);
    expect(r).toMatchObject({ code: 0, stdout: completionScript('bash') });
    expect((await runCli(['completion', 'tcsh'], dir)).code).toBe(2);
  });

  it.runIf(has('bash'))('bash completes commands, flags and values', () => {
    const file = script('bash');
    for (const [line, want] of CASES) {
      const words = line.split(' ');
      const out = execFileSync(
        'bash',
        [
          '-c',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${...}, not JavaScript's
          'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _handoff_deploy; printf "%s\\n" "${COMPREPLY[@]}"',
          'bash',
          file,
          ...words,
        ],
        { encoding: 'utf8' },
      );
      expect(out.split('\n').filter(Boolean).sort(), line).toEqual(want);
    }
  });

  it.runIf(has('fish'))('fish completes commands, flags and values', () => {
    const file = script('fish');
    for (const [line, want] of CASES) {
      const out = execFileSync('fish', ['-c', `source ${file}; complete -C '${line}'`], { encoding: 'utf8' });
      const got = out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
      expect(got.sort(), line).toEqual(want);
    }
  });

  it.runIf(has('zsh'))(
    'zsh completes in a real interactive shell',
    () => {
      const file = script('zsh');
      const complete = (line: string) =>
        execFileSync(
          'zsh',
          ['-f', join(import.meta.dirname, '..', 'helpers', 'zsh-complete.zsh'), file, line],
          {
            encoding: 'utf8',
            timeout: 20_000,
          },
        ).trim();
      expect(complete('deploy pl')).toBe('LINE=deploy plan');
      expect(complete('deploy plan --js')).toBe('LINE=deploy plan --json');
      expect(complete('handoff help rollb')).toBe('LINE=handoff help rollback');
      expect(complete('deploy run --strategy bu')).toBe('LINE=deploy run --strategy build-first');
    },
    30_000,
  );
});
