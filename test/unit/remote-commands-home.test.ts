// Every remote command lives in src/remote/ (docs/architecture.md, "Code health"): commands are data
// built in one place, so a dry run, the fault injection (by kind) and a reader find them all there.
// Elsewhere code runs a command, never writes one: no hand-built `{ kind, argv }` for a host, and
// none of the shell builders of src/remote/shell.ts. src/executors/ turns commands into shell text.
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { srcFiles } from '../helpers/sources.ts';

const HOMES = ['src/remote/', 'src/executors/'];
const BUILDERS = new Set(['script', 'shellJoin', 'quote']);

/** What in this file builds a remote command: `file:line what`. */
function commandsBuilt(text: string, file = 'x.ts'): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const at = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const prop = (name: string) =>
        node.properties.find((p): p is ts.PropertyAssignment | ts.ShorthandPropertyAssignment => {
          return (
            (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && p.name.getText(sf) === name
          );
        });
      const kind = prop('kind');
      const local = kind && ts.isPropertyAssignment(kind) && kind.initializer.getText(sf) === "'local'";
      // A command for this machine's own executor (a local build, git archive) is no remote command.
      if (kind && prop('argv') && !local)
        out.push(`${at(node)} a command built by hand: ${node.getText(sf)}`);
    }
    if (ts.isImportDeclaration(node) && /remote\/shell\.ts'$/.test(node.moduleSpecifier.getText(sf))) {
      const named = node.importClause?.namedBindings;
      if (named && ts.isNamedImports(named))
        for (const el of named.elements)
          if (!el.isTypeOnly && !node.importClause?.isTypeOnly && BUILDERS.has(el.name.text))
            out.push(`${at(el)} imports the shell builder ${el.name.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('remote commands live in src/remote/', () => {
  it('the scan finds a command built by hand and a shell builder imported (it can fail)', () => {
    const text = [
      "import { type Cmd, script } from '../remote/shell.ts';",
      "import type { Cmd as C } from '../remote/shell.ts';",
      "const tail = { kind: 'history.read' as const, argv: ['sh', '-c', 'tail \"$1\"', 'handoff', f] };",
      'const cmd = { kind, argv };',
      "const build = { kind: 'local', argv: ['sh', '-c', command] };",
      "const rule = { kind: 'computed-bound', capMs: 1 };",
    ].join('\n');
    expect(commandsBuilt(text)).toEqual([
      'x.ts:1 imports the shell builder script',
      `x.ts:3 a command built by hand: { kind: 'history.read' as const, argv: ['sh', '-c', 'tail "$1"', 'handoff', f] }`,
      'x.ts:4 a command built by hand: { kind, argv }',
    ]);
  });

  it('no file outside src/remote/ and src/executors/ builds a remote command', () => {
    const found = srcFiles()
      .filter(({ file }) => !HOMES.some((home) => file.startsWith(home)))
      .flatMap(({ file, text }) => commandsBuilt(text, file));
    expect(found).toEqual([]);
  });
});
