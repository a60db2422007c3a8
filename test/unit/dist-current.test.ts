// The CLI tests spawn bin/deploy.js, which runs dist/: a dist/ older than src/ would test yesterday's
// code and pass. `npm run test:unit` and `npm test` build first; this catches a bare `vitest run`
// after an edit (or a checkout) without `npm run build`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Sources whose compiled file is missing or older than the source. */
function staleOutputs(srcDir: string, distDir: string): string[] {
  return sources(srcDir).filter((src) => {
    const out = join(distDir, relative(srcDir, src)).replace(/\.ts$/, '.js');
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
}

describe('dist/ is built from the current sources', () => {
  it('has a compiled file no older than each source (else run npm run build)', () => {
    const stale = staleOutputs(join(root, 'src'), join(root, 'dist')).map((p) => relative(root, p));
    expect(stale, `stale or missing in dist/: run npm run build`).toEqual([]);
  });
});
