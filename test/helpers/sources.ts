// The repository's TypeScript sources, for the tests that scan them (function length, where remote
// commands are built, which event kinds are emitted).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every .ts file under src/, as a path from the repository root, with its text. */
export function srcFiles(): Array<{ file: string; text: string }> {
  return walk(join(root, 'src')).map((path) => ({
    file: relative(root, path),
    text: readFileSync(path, 'utf8'),
  }));
}
