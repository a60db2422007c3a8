// The event union is a contract (docs/contracts.md, section 6): a kind nobody emits is dead
// vocabulary that renderers and readers of events.ndjson would wait for in vain.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, srcFiles } from '../helpers/sources.ts';

const EVENTS = 'src/engine/events.ts';

const kindsIn = (text: string) =>
  [...text.matchAll(/kind: '([a-z]+:[a-z]+|log|command)'/g)].map((m) => m[1]!);
const unionKinds = kindsIn(readFileSync(join(root, EVENTS), 'utf8'));

describe('event kinds', () => {
  it('the union is read (it can fail)', () => {
    expect(unionKinds).toContain('step:end');
    expect(unionKinds).toContain('log');
    expect(unionKinds.length).toBeGreaterThan(10);
  });

  it('every kind in the union is emitted somewhere in src/', () => {
    const emitted = new Set(
      srcFiles()
        .filter(({ file }) => file !== EVENTS)
        .flatMap(({ text }) => kindsIn(text)),
    );
    expect(unionKinds.filter((k) => !emitted.has(k))).toEqual([]);
  });

  it('docs/contracts.md lists exactly the kinds of the union', () => {
    const doc = readFileSync(join(root, 'docs', 'contracts.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## 6. `events.ndjson`'));
    const table = section.slice(0, section.indexOf('\n## ') > 0 ? section.indexOf('\n## ') : undefined);
    const listed = [...table.matchAll(/^\| `([a-z:]+)` \|/gm)].map((m) => m[1]!);
    expect(listed.sort()).toEqual([...unionKinds].sort());
  });
});
