// The README's "where features plug in" table is the truth about what adding a drain mode, a
// transport, a step or a strategy touches: every file it names exists, every name in brackets is
// declared in the file before it, docs/architecture.md names the same files, and a registry's
// modules are imported by that registry alone (so nothing else has to learn a new entry).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands-table.ts';
import { STRATEGIES } from '../../src/runbook/types.ts';
import { root } from '../helpers/sources.ts';

type Row = { what: string; touch: string; add: string };

function rows(readme: string): Row[] {
  const start = readme.indexOf('| to add | touch | add |');
  const table = readme.slice(start).split('\n\n')[0] ?? '';
  return table
    .split('\n')
    .slice(2)
    .map((line) => {
      const [what = '', touch = '', add = ''] = line.replace(/^\| | \|$/g, '').split(' | ');
      return { what, touch, add };
    });
}

/** Each repository path in a cell, with the names in the brackets right after it. */
function named(cell: string): { path: string; names: string[] }[] {
  return [...cell.matchAll(/`((?:src|docs|schema)\/[^`]+)`(?: \(([^)]*)\))?/g)].map(([, path, within]) => ({
    path: path!,
    names: [...(within ?? '').matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1]!),
  }));
}

const declares = (text: string, name: string) =>
  new RegExp(`\\b(?:const|let|function|type|class|interface)\\s+${name}\\b`).test(text);

/** The repository paths (src/, docs/) of the architecture page's paragraph that starts `**title**`. */
function paragraphPaths(doc: string, title: string): string[] {
  const at = doc.indexOf(`**${title}**`);
  if (at < 0) return [];
  const text = doc.slice(at).split('\n\n')[0] ?? '';
  return [...text.matchAll(/`((?:src|docs)\/[^`]+)`/g)].map((m) => m[1]!);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Who imports `file` (by a relative import), among the sources of src/, scripts/ and bench/. */
function importers(file: string): string[] {
  const target = join(root, file);
  return ['src', 'scripts', 'bench']
    .flatMap((d) => walk(join(root, d)))
    .filter((f) =>
      [...readFileSync(f, 'utf8').matchAll(/import\s+([^;]*?)\s+from\s+'(\.[^']+)'/g)].some(
        ([, , spec]) => resolve(dirname(f), spec!) === target,
      ),
    )
    .map((f) => relative(root, f));
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const architecture = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
const table = rows(readme);

describe("the README's 'where features plug in'", () => {
  it('reads the rows and the names in brackets (the check can fail)', () => {
    expect(
      named('`src/a.ts` (its name in `A`, its place in `b`), `docs/c.md` (section 1), `src/d/<name>.ts`'),
    ).toEqual([
      { path: 'src/a.ts', names: ['A', 'b'] },
      { path: 'docs/c.md', names: [] },
      { path: 'src/d/<name>.ts', names: [] },
    ]);
    expect(declares('export const DRAIN_MODES = {', 'DRAIN_MODES')).toBe(true);
    expect(declares('import { DRAIN_MODES } from', 'DRAIN_MODES')).toBe(false);
    expect(table.map((r) => r.what)).toEqual([
      'a drain mode',
      'a transport',
      'a step',
      'a strategy with its own runbook',
    ]);
  });

  for (const row of table)
    it(`${row.what}: every file exists, every name in brackets is declared there`, () => {
      const missing: string[] = [];
      for (const { path, names } of [...named(row.touch), ...named(row.add)]) {
        // A file to add: its directory is where the others of its kind live.
        const at = path.includes('<name>') ? dirname(path) : path;
        if (!existsSync(join(root, at))) missing.push(at);
        else if (!path.includes('<name>') && !path.endsWith('/')) {
          const text = readFileSync(join(root, path), 'utf8');
          for (const name of names)
            if (path.endsWith('.ts') ? !declares(text, name) : !text.includes(name))
              missing.push(`${path}: ${name}`);
        }
      }
      expect(missing).toEqual([]);
      expect(named(row.touch).length).toBeGreaterThan(0);
    });

  const paragraphs: Record<string, string> = {
    'a drain mode': 'Adding a mode',
    'a transport': 'Adding a transport',
    'a step': 'Adding a step',
    'a strategy with its own runbook': 'Adding a strategy',
  };
  for (const row of table)
    it(`${row.what}: docs/architecture.md names the same files`, () => {
      const readmePaths = [...named(row.touch), ...named(row.add)]
        .map((n) => n.path)
        .filter((p) => /^(src|docs)\//.test(p));
      const docPaths = paragraphPaths(architecture, paragraphs[row.what] ?? '?');
      expect(new Set(docPaths)).toEqual(new Set(readmePaths));
    });
});

describe('a registry is the only place that knows its entries', () => {
  it('a drain mode module is imported by src/drain/registry.ts alone', () => {
    const modes = readdirSync(join(root, 'src/drain/modes')).map((f) => `src/drain/modes/${f}`);
    expect(modes.length).toBeGreaterThan(1);
    for (const mode of modes) expect(importers(mode), mode).toEqual(['src/drain/registry.ts']);
  });

  it('a transport module is imported by src/transports/registry.ts alone', () => {
    const transports = readdirSync(join(root, 'src/transports'))
      .filter((f) => !['registry.ts', 'types.ts'].includes(f))
      .map((f) => `src/transports/${f}`);
    expect(transports.length).toBeGreaterThan(1);
    for (const t of transports) expect(importers(t), t).toEqual(['src/transports/registry.ts']);
  });

  it('a step descriptor is imported by src/runbook/registry.ts alone (its runs: test/unit/step-registry.test.ts)', () => {
    const steps = readdirSync(join(root, 'src/runbook/steps')).map((f) => `src/runbook/steps/${f}`);
    expect(steps.length).toBeGreaterThan(1);
    for (const step of steps) expect(importers(step), step).toEqual(['src/runbook/registry.ts']);
  });

  it("the CLI's strategy values are the runbook's strategies and auto", () => {
    const values = Object.values(COMMANDS).flatMap((c) =>
      Object.entries(c.options).flatMap(([name, o]) => (name === 'strategy' ? [o.value] : [])),
    );
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(v).toEqual([...STRATEGIES, 'auto']);
  });
});
