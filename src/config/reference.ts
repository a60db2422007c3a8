// Pure: the README's configuration reference and the editor JSON Schema, both derived from the
// zod schema so the docs cannot drift from what is validated (a test compares them).
import { z } from 'zod';
import { configSchema } from './schema.ts';

type Json = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Json>;
  items?: Json;
  anyOf?: Json[];
  oneOf?: Json[];
  enum?: unknown[];
  const?: unknown;
  required?: string[];
  additionalProperties?: Json | boolean;
};

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

export function configReference(): string {
  const rows: string[][] = [];
  walk(configJsonSchema() as Json, '', rows, true);
  const esc = (s: string) => s.replaceAll('|', '\\|');
  return [
    '| key | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function walk(node: Json, path: string, rows: string[][], required: boolean): void {
  const variants = node.anyOf ?? node.oneOf;
  if (path) rows.push([`\`${path}\``, typeOf(node), defaultOf(node, required), node.description ?? '']);
  if (node.properties)
    for (const [key, child] of Object.entries(node.properties))
      walk(child, path ? `${path}.${key}` : key, rows, node.required?.includes(key) ?? false);
  if (node.items?.properties) walk({ ...node.items, description: undefined }, `${path}[]`, rows, true);
  if (variants)
    for (const v of variants)
      if (v.properties)
        for (const [key, child] of Object.entries(v.properties)) {
          if (key === 'mode' && child.const !== undefined) continue;
          const mode = (v.properties.mode?.const as string | undefined) ?? undefined;
          walk(child, `${path}${mode ? `(${mode})` : ''}.${key}`, rows, v.required?.includes(key) ?? false);
        }
      else if (v.items?.properties) walk({ ...v.items, description: undefined }, `${path}[]`, rows, true);
}

function typeOf(node: Json): string {
  if (node.enum) return node.enum.map((e) => JSON.stringify(e)).join(' | ');
  if (node.const !== undefined) return JSON.stringify(node.const);
  const variants = node.anyOf ?? node.oneOf;
  if (variants)
    return variants
      .map((v) => (v.properties ? `{ ${Object.keys(v.properties).join(', ')} }` : typeOf(v)))
      .join(' or ');
  if (node.type === 'array') return `${node.items ? typeOf(node.items) : 'any'}[]`;
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object')
    return 'record';
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
}

function defaultOf(node: Json, required: boolean): string {
  if (node.default !== undefined) return `\`${JSON.stringify(node.default)}\``;
  return required ? 'required' : '';
}
