// The README's module map is current: every source file under src/ has a row (by its path, by its
// name after a path of the same directory in one row, or under a `dir/*.ts` row), and every row
// names files that exist.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The files each row of the map names, as paths (a `*` stays a pattern). */
function mapped(readme: string): string[] {
  const start = readme.indexOf('| module | one line |');
  const table = readme.slice(start).split('\n\n')[0] ?? '';
  return table
    .split('\n')
    .slice(2)
    .flatMap((row) => {
      const cell = row.split(' | ')[0] ?? '';
      let dir = '';
      return [...cell.matchAll(/`([^`]+)`/g)].map(([, name]) => {
        if (name!.includes('/')) {
          dir = dirname(name!);
          return name!;
        }
        return join(dir, name!);
      });
    });
}

const covers = (entry: string, file: string) =>
  entry.includes('*')
    ? new RegExp(`^${entry.replace('.', '\\.').replace('*', '[^/]+')}$`).test(file)
    : entry === file;

describe('README module map', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const entries = mapped(readme);

  it('reads the rows (the check can fail)', () => {
    expect(
      mapped('| module | one line |\n| --- | --- |\n| `src/a/b.ts`, `c.ts` | x |\n| `src/d/*.ts` | y |\n'),
    ).toEqual(['src/a/b.ts', 'src/a/c.ts', 'src/d/*.ts']);
    expect(covers('src/d/*.ts', 'src/d/e.ts')).toBe(true);
    expect(covers('src/d/*.ts', 'src/d/f/e.ts')).toBe(false);
  });

  it('every source file under src/ has a row', () => {
    const files = execFileSync('git', ['ls-files', 'src'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts') && existsSync(join(root, f)));
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => !entries.some((e) => covers(e, f)))).toEqual([]);
  });

  it('every row names files that exist', () => {
    const gone = entries.filter((e) => !e.includes('*') && !existsSync(join(root, e)));
    expect(gone).toEqual([]);
  });
});
