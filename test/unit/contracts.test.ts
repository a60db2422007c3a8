// docs/contracts.md is the repository's record of what the code promises; this fails when the code
// grows a step order, a command, an option, an exit code or an event kind the page does not list.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands-table.ts';
import { EXIT } from '../../src/errors.ts';
import { sequence } from '../../src/runbook/sequence.ts';

const root = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'contracts.md'), 'utf8');
const row = (first: string) => doc.split('\n').find((l) => l.startsWith(`| ${first} |`));
const steps = (list: string[]) => list.map((s) => `\`${s}\``).join(', ');

describe('docs/contracts.md lists what the code keeps', () => {
  it('every step order', () => {
    for (const order of [
      sequence({ strategy: 'stop-first', buildWhere: 'host', kind: 'deploy' }),
      sequence({ strategy: 'build-first', buildWhere: 'host', kind: 'deploy' }),
      sequence({ strategy: 'stop-first', buildWhere: 'local', kind: 'deploy' }),
      sequence({ strategy: 'build-first', buildWhere: 'local', kind: 'deploy' }),
      sequence({ strategy: 'stop-first', buildWhere: 'host', kind: 'rollback' }),
    ])
      expect(doc).toContain(`| ${steps(order)} |`);
  });

  it('every command with every option', () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const line = row(`\`${name}\``);
      expect(line, `no row for ${name}`).toBeDefined();
      for (const option of Object.keys(command.options)) expect(line, name).toContain(`\`--${option}\``);
    }
  });

  it('every exit code', () => {
    for (const code of Object.values(EXIT)) expect(row(String(code)), `exit ${code}`).toBeDefined();
  });

  it('every event kind', () => {
    const source = readFileSync(join(root, 'src', 'engine', 'events.ts'), 'utf8');
    const kinds = [...source.matchAll(/kind: '([a-z:]+)'/g)].map((m) => m[1]!);
    expect(kinds.length).toBeGreaterThan(10);
    for (const kind of kinds) expect(row(`\`${kind}\``), kind).toBeDefined();
  });

  it('no file cites a design file that is not in the repository', () => {
    const cites = ['src', 'scripts', 'bench', 'test/unit', 'test/sandbox', 'test/helpers', 'docs']
      .flatMap((d) =>
        readdirSync(join(root, d), { recursive: true, encoding: 'utf8' }).map((f) => join(d, f)),
      )
      .filter((f) => /\.(ts|md)$/.test(f) && !f.endsWith('contracts.test.ts'))
      .filter((f) => /design\.md|design section/.test(readFileSync(join(root, f), 'utf8')));
    expect(cites).toEqual([]);
  });
});
