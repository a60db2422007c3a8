// AWS Query protocol request parsing: `Action=…&Version=…&Targets.member.1.Id=…` into a nested object.
// `Name.member.N` becomes an array (N is 1-based, gaps are dropped, order follows N); `A.B` a nested object.

export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };
export type QueryObject = { [key: string]: QueryValue };

export class QueryParseError extends Error {
  override name = 'QueryParseError';
}

type Node = { value?: string; fields: Map<string, Node>; members: Map<number, Node> };

const newNode = (): Node => ({ fields: new Map(), members: new Map() });

function insert(root: Node, key: string, value: string): void {
  const parts = key.split('.');
  let node = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') throw new QueryParseError(`malformed parameter name "${key}"`);
    if (part === 'member' && i > 0) {
      const index = parts[i + 1];
      if (index === undefined || !/^[1-9][0-9]{0,5}$/.test(index)) {
        throw new QueryParseError(`list parameter "${key}" needs .member.N with N >= 1`);
      }
      i++;
      const n = Number(index);
      if (!node.members.has(n)) node.members.set(n, newNode());
      node = node.members.get(n)!;
      continue;
    }
    if (!node.fields.has(part)) node.fields.set(part, newNode());
    node = node.fields.get(part)!;
  }
  node.value = value;
}

function materialize(node: Node): QueryValue {
  if (node.members.size > 0) {
    return [...node.members.entries()].sort(([a], [b]) => a - b).map(([, child]) => materialize(child));
  }
  if (node.fields.size > 0) {
    const object: QueryObject = {};
    for (const [key, child] of node.fields) object[key] = materialize(child);
    return object;
  }
  return node.value ?? '';
}

/** Parses an `application/x-www-form-urlencoded` body (and/or a URL query string) into a nested object. */
export function parseQuery(...sources: (string | URLSearchParams)[]): QueryObject {
  const root = newNode();
  for (const source of sources) {
    const params = typeof source === 'string' ? new URLSearchParams(source) : source;
    for (const [key, value] of params) insert(root, key, value);
  }
  const object = materialize(root);
  return typeof object === 'object' && !Array.isArray(object) ? object : {};
}

/** A scalar parameter, or undefined when absent (or not a scalar). */
export function str(object: QueryObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

/** A list of scalars (`Names.member.N`). */
export function strList(object: QueryObject, key: string): string[] | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (value === '') return []; // awsQuery sends an empty list as `Name=`
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new QueryParseError(`"${key}" must be a list (${key}.member.N)`);
  }
  return value as string[];
}

/** A list of structures (`Targets.member.N.Id`). */
export function structList(object: QueryObject, key: string): QueryObject[] | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (value === '') return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || Array.isArray(v))) {
    throw new QueryParseError(`"${key}" must be a list of structures (${key}.member.N.Field)`);
  }
  return value as QueryObject[];
}
