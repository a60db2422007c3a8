// Every argument the tool sends reaches the remote script as itself: generated strings (globs,
// quotes, expansions, newlines, any Unicode) go through `quote` and a real `sh -c`, and come back
// byte for byte. The directory holds files a glob would match, so an unquoted `*`, `?` or `[a]`
// would expand to them and the comparison would fail.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quote, shellJoin } from '../../src/remote/shell.ts';

const dir = mkdtempSync(join(tmpdir(), 'handoff-quote-'));
for (const name of ['a', 'ab', 'b.txt', '-x', 'a b', '~']) writeFileSync(join(dir, name), '');

/** What `sh` makes of the quoted words: one NUL-terminated word each. */
function throughShell(words: string[]): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${shellJoin(words)}`], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: '/nonexistent-home', IFS: ' ' },
  });
  return out.toString('utf8').split('\0').slice(0, -1);
}

// Characters the shell gives a meaning to, weighted in, so most strings carry several.
const special = fc.constantFrom(
  ...'*?[]{}~$`\'"\\!#&|;<>()= \t\n,:@%+-./^'.split(''),
  '$HOME',
  '$(id)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion to quote, not a template
  '${x}',
  '[a]',
  'a*',
  '?',
  '~/',
);
const word = fc
  .array(fc.oneof(special, fc.string({ unit: 'grapheme', maxLength: 3 })), { maxLength: 8 })
  .map((parts) => parts.join('').replaceAll('\0', ''));

describe('quote', () => {
  it('round-trips generated strings through sh -c', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), (words) => {
        expect(throughShell(words)).toEqual(words);
      }),
      { numRuns: 300, seed: 20260101 },
    );
  });

  it('glob characters alone are quoted (they would match files here)', () => {
    for (const w of ['*', '?', '[a]', 'a*', 'a?', '[ab]*']) {
      expect(quote(w)).not.toBe(w);
      expect(throughShell([w])).toEqual([w]);
    }
  });
});
