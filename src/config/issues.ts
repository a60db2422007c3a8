// Turns zod's issues into `key.path: message` lines with a hint that names the fix.
import type { z } from 'zod';

export type ConfigIssue = { path: string; message: string; hint?: string };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    // A key that is not a plain word (an env name like '-S' or 'A=B') is shown quoted, as in JS.
    else if (!/^[A-Za-z_$][\w$]*$/.test(String(key))) out += `[${JSON.stringify(String(key))}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`;
}

/** As formatIssue, without the `(file): ` prefix of an issue about the file itself (its name is said elsewhere). */
export function issueText(issue: ConfigIssue): string {
  return formatIssue(issue).replace(/^\(file\): /, '');
}

export function fromZod(error: z.ZodError, input: unknown, schema: z.ZodType): ConfigIssue[] {
  return error.issues.flatMap((issue) => convert(issue, [], input, schema));
}

type RawIssue = z.core.$ZodIssue;

function convert(issue: RawIssue, prefix: PropertyKey[], input: unknown, schema: z.ZodType): ConfigIssue[] {
  const full = [...prefix, ...issue.path];
  const path = formatPath(full);
  switch (issue.code) {
    case 'invalid_key':
      return [
        {
          path,
          message: issue.issues[0]?.message ?? issue.message,
          hint: "letters, digits and _, not starting with a digit; anything else `env` reads as an option ('-S' runs the value) or breaks the start",
        },
      ];
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, full);
      return issue.keys.map((key) => ({
        path: formatPath([...full, key]),
        message: 'unknown key',
        hint: suggest(key, known),
      }));
    }
    case 'invalid_union':
      return convertUnion(issue, full, input, schema);
    case 'invalid_type':
    case 'invalid_value':
    case 'too_small':
    case 'too_big':
      return [{ path, ...badValue(issue, full, input) }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** A union none of whose branches matched: the issues of the branch the user meant. */
function convertUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  full: PropertyKey[],
  input: unknown,
  schema: z.ZodType,
): ConfigIssue[] {
  const path = formatPath(full);
  if (issue.errors.length === 0) return [{ path, message: issue.message }];
  // The branch that got furthest into the input is the one the user meant.
  const best =
    [...issue.errors].sort(
      (a, b) => misfit(a, full, input) - misfit(b, full, input) || depth(b) - depth(a),
    )[0] ?? [];
  if (depth(best) === 0)
    return [
      {
        path,
        message: `${describeValue(at(input, full))} is not allowed here`,
        hint: 'see the configuration reference in the README for the accepted shapes',
      },
    ];
  return best.flatMap((inner) => convert(inner, full, input, schema));
}

/** A value of the wrong type, outside its choices or its bounds: what was expected, and what came. */
function badValue(
  issue:
    | z.core.$ZodIssueInvalidType
    | z.core.$ZodIssueInvalidValue
    | z.core.$ZodIssueTooSmall
    | z.core.$ZodIssueTooBig,
  full: PropertyKey[],
  input: unknown,
): Omit<ConfigIssue, 'path'> {
  // Env values and the git URL may be secrets: say what is wrong with them, never what they are.
  const value = secretPath(full) ? concealed(at(input, full)) : at(input, full);
  switch (issue.code) {
    case 'invalid_type':
      return {
        message:
          at(input, full) === undefined
            ? `required, expected ${issue.expected}`
            : `expected ${issue.expected}, got ${describeValue(value)}`,
      };
    case 'invalid_value':
      return {
        message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        hint: `got ${describeValue(value)}`,
      };
    default:
      return {
        message: issue.message.replace(/^Too (small|big): expected \w+ to (have|be) /, 'must be '),
        hint: `got ${describeValue(value, true)}`,
      };
  }
}

// How badly a union branch fits the input's own keys: unknown keys or missing required keys at the
// branch's root mean the user wrote a different branch.
function misfit(issues: RawIssue[], prefix: PropertyKey[], input: unknown): number {
  return issues.filter(
    (i) =>
      (i.code === 'unrecognized_keys' && i.path.length === 0) ||
      (i.code === 'invalid_type' && i.path.length === 1 && at(input, [...prefix, ...i.path]) === undefined),
  ).length;
}

function depth(issues: RawIssue[]): number {
  return Math.max(
    0,
    ...issues.map((i) => i.path.length + (i.code === 'invalid_type' && i.path.length === 0 ? -1 : 0)),
  );
}

function at(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

type Def = {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  options?: unknown[];
};
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

// Walks the schema (not the input) so a misspelt key can be matched against the keys it could have been.
function knownKeysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let nodes: unknown[] = [schema];
  for (const key of [...path, null]) {
    const next: unknown[] = [];
    const keys: string[] = [];
    const visit = (node: unknown) => {
      const def = defOf(node);
      if (def.innerType) visit(def.innerType);
      else if (def.options) for (const option of def.options) visit(option);
      else if (def.type === 'array' && typeof key === 'number') next.push(def.element);
      else if (def.shape) {
        if (key === null) keys.push(...Object.keys(def.shape));
        else if (typeof key === 'string' && def.shape[key]) next.push(def.shape[key]);
      }
    };
    for (const node of nodes) visit(node);
    if (key === null) return [...new Set(keys)];
    nodes = next;
  }
  return [];
}

const secretPath = (p: readonly PropertyKey[]) =>
  p.join('.').startsWith('app.start.env.') || p.join('.') === 'app.source.git.url';

/** Stands in for a secret's value in a message: its type survives, its content does not. */
const CONCEALED = Symbol('concealed');
function concealed(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  return { [CONCEALED]: typeof value };
}

function describeValue(value: unknown, sized = false): string {
  if (value !== null && typeof value === 'object' && CONCEALED in value)
    return `a ${String((value as Record<symbol, string>)[CONCEALED])} (not shown: it may be a secret)`;
  if (value === undefined) return 'nothing';
  if (Array.isArray(value))
    return sized ? `${value.length} item${value.length === 1 ? '' : 's'}` : 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function suggest(key: string, known: string[]): string {
  const close = closeMatches(key, known);
  if (close.length > 0) return `did you mean ${close.map((k) => `'${k}'`).join(' or ')}?`;
  return 'remove it or check its spelling against the configuration reference';
}

/**
 * The known words within two edits of `word` (case-insensitive): config keys, CLI commands and
 * flags. `nearest`: only those at the smallest distance ('pln' is 'plan', not also 'run').
 */
export function closeMatches(word: string, known: readonly string[], nearest = false): string[] {
  const scored = known.map((k) => ({ k, d: distance(k.toLowerCase(), word.toLowerCase()) }));
  const close = scored.filter((s) => s.d <= 2);
  const best = Math.min(...close.map((s) => s.d));
  return close.filter((s) => !nearest || s.d === best).map((s) => s.k);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
