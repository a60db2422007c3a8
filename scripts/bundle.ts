// Bundles the CLI (dist/cli/main.js, after tsc) into dist/bundle/: a command loads a handful of
// files instead of ~130 modules (zod alone is 95), which is most of its start-up (docs/cli.md,
// "Start-up"). Commands stay separate chunks, loaded when run; the packages that only some commands
// use stay outside the bundle and load from node_modules when those commands run: the AWS SDK,
// node-ssh (ssh2, with native parts), zx, p-retry. bin/deploy.js prefers the bundle when present.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';

const ROOT = join(import.meta.dirname, '..');
/** Small and needed by every command: inside the bundle. Everything else from node_modules. */
const BUNDLED = /^(zod|picocolors)(\/|$)/;
const OUT = join(ROOT, 'dist', 'bundle'); // two levels below the root, as dist/cli/main.js is

rmSync(OUT, { recursive: true, force: true });
await build({
  input: { main: join(ROOT, 'dist', 'cli', 'main.js') },
  platform: 'node',
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !BUNDLED.test(id),
  logLevel: 'warn',
  output: { dir: OUT, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
});
