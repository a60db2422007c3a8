// `deploy completion <shell>`: each script loaded into the real shell and asked to complete, as a
// person pressing Tab would (bash: its completion function; fish: `complete -C`; zsh: a real
// interactive zsh in a pseudo-terminal). A shell that is not installed fails the test in CI
// (scripts/ensure-tools.ts installs them) and skips elsewhere, saying so.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/completion.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/config.ts';

const has = (bin: string) => existsSync(`/usr/bin/${bin}`) || !!process.env.CI;
const SEP = '--- next ---';
/** One shell's answers to every case, in order: the lines between separators, sorted. */
const answers = (out: string, word: (line: string) => string) => {
  const got = out.split(`${SEP}\n`).map((a) => a.split('\n').filter(Boolean).map(word).sort());
  return Object.fromEntries(CASES.map(([line], i) => [line, got[i]]));
};
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

  // Each shell is started once and asked every case: at load 15-22 seven bash processes in a row
  // took 34 s (a 30 s timeout), where the completing itself takes milliseconds. The timeouts below
  // are for one shell's start on a loaded machine; what each case must complete to is unchanged.
  it.runIf(has('bash'))(
    'bash completes commands, flags and values',
    () => {
      const file = script('bash');
      const words = (line: string) =>
        line
          .split(' ')
          .map((w) => `'${w}'`)
          .join(' ');
      const out = execFileSync(
        'bash',
        [
          '-c',
          [
            'source "$1"',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${...}, not JavaScript's
            'ask() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _handoff_deploy; printf "%s\\n" "${COMPREPLY[@]}"; echo "$SEP"; }',
            ...CASES.map(([line]) => `ask ${words(line)}`),
          ].join('\n'),
          'bash',
          file,
        ],
        { encoding: 'utf8', env: { ...process.env, SEP }, timeout: 50_000 },
      );
      expect(answers(out, (l) => l)).toEqual(Object.fromEntries(CASES));
    },
    60_000,
  );

  it.runIf(has('fish'))(
    'fish completes commands, flags and values',
    () => {
      const file = script('fish');
      const r = spawnSync(
        'fish',
        [
          '-c',
          'source $argv[1]; for l in $argv[2..-1]; complete -C "$l"; echo $SEP; end',
          file,
          ...CASES.map(([l]) => l),
        ],
        { encoding: 'utf8', env: { ...process.env, SEP }, timeout: 50_000 },
      );
      expect(answers(r.stdout, (l) => l.split('\t')[0]!)).toEqual(Object.fromEntries(CASES));
      // Nothing under the prompt: a condition's error would print at every Tab.
      expect([r.status, r.stderr]).toEqual([0, '']);
    },
    60_000,
  );

  it.runIf(has('zsh'))(
    'zsh completes in a real interactive shell',
    () => {
      const file = script('zsh');
      const lines = ['deploy pl', 'deploy plan --js', 'handoff help rollb', 'deploy run --strategy bu'];
      const out = execFileSync(
        'zsh',
        ['-f', join(import.meta.dirname, '..', 'helpers', 'zsh-complete.zsh'), file, ...lines],
        { encoding: 'utf8', timeout: 50_000 },
      );
      expect(
        out
          .trim()
          .split('\n')
          .map((l) => l.trim()),
      ).toEqual([
        'LINE=deploy plan',
        'LINE=deploy plan --json',
        'LINE=handoff help rollback',
        'LINE=deploy run --strategy build-first',
      ]);
    },
    60_000,
  );
});
