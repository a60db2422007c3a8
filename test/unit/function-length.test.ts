// Functions stay under ~60 lines (docs/architecture.md, "Code health"): a long function hides the
// steps a reader needs to see; small named ones say them. Data tables are the exception, each
// named here with its reason.
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { srcFiles } from '../helpers/sources.ts';

const MAX_LINES = 60;

/** Data tables: long because they hold data, not steps. `file:function` -> why. */
const DATA_TABLES: Record<string, string> = {
  'src/templates/config.ts:configTemplate': 'one template literal: the deploy.config.ts that init writes',
  'src/templates/workflow.ts:workflowTemplate': 'one template literal: the workflow that init writes',
};

type Long = { at: string; name: string; lines: number };

function nameOf(fn: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  const own = fn.name?.getText(sf);
  if (own) return own;
  const p = fn.parent;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name)
    return p.name.getText(sf);
  return '(anonymous)';
}

/** Every function, method or arrow whose body spans more than MAX_LINES lines. */
function longFunctions(text: string, file = 'x.ts'): Long[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const line = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const out: Long[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const body = fn.body!;
      const lines = line(body.getEnd()) - line(body.getStart(sf)) + 1;
      if (lines > MAX_LINES)
        out.push({ at: `${file}:${line(body.getStart(sf)) + 1}`, name: nameOf(fn, sf), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function scanSrc(): Array<Long & { file: string }> {
  return srcFiles().flatMap(({ file, text }) => longFunctions(text, file).map((l) => ({ ...l, file })));
}

const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('function length', () => {
  it('the scan finds a long function, method and arrow, and measures the body (it can fail)', () => {
    // A body of n statements spans n + 2 lines with its braces.
    const text = [
      `function long() {\n${body(59)}\n}`,
      `function fits() {\n${body(58)}\n}`,
      `class C {\n  method() {\n${body(60)}\n  }\n}`,
      `const arrow = () => {\n${body(61)}\n};`,
      `const table = {\n  entry: function () {\n${body(70)}\n  },\n};`,
    ].join('\n');
    expect(longFunctions(text).map((l) => [l.name, l.lines])).toEqual([
      ['long', 61],
      ['method', 62],
      ['arrow', 63],
      ['entry', 72],
    ]);
  });

  it(`no function in src/ is over ${MAX_LINES} lines, except the data tables`, () => {
    const found = scanSrc()
      .filter((l) => !DATA_TABLES[`${l.file}:${l.name}`])
      .map((l) => `${l.at} ${l.name}: ${l.lines} lines`);
    expect(found).toEqual([]);
  });

  it('every data table on the list is still there and still long (the list does not go stale)', () => {
    const long = new Set(scanSrc().map((l) => `${l.file}:${l.name}`));
    expect(Object.keys(DATA_TABLES).filter((k) => !long.has(k))).toEqual([]);
  });
});
