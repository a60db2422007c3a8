// Builders for config tests: a valid base, deep edits, and temp config files inside the repo so
// `import { defineConfig } from 'handoff-deploy'` resolves through the package's self-reference.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Io } from '../../src/cli/io.ts';

export function baseConfig(): Record<string, unknown> {
  return {
    app: { name: 'demo', dir: '/srv/demo', port: 8080 },
    hosts: [
      { name: 'a', host: '10.0.0.1', user: 'ec2-user' },
      { name: 'b', host: '10.0.0.2', user: 'ec2-user' },
    ],
    loadBalancer: {
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 },
    },
    drain: { mode: 'termination', responseSeconds: 0.1, marginSeconds: 2, compareWithSleepSeconds: 25 },
  };
}

/** Sets (or, with `undefined`, deletes) the value at a dotted path like 'hosts.0.port'. */
export function edit(config: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(config);
  const keys = path.split('.');
  let cur = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) cur = cur[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy;
}

const root = join(import.meta.dirname, '..', '.tmp');

/**
 * A fresh directory under test/.tmp that is its own repository root (an empty .git, which git
 * itself skips as invalid): config discovery stops there instead of finding this repository's
 * deploy.config.ts.
 */
export function tempDir(): string {
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'cfg-'));
  mkdirSync(join(dir, '.git'));
  return dir;
}

export function writeConfig(
  dir: string,
  body: string | Record<string, unknown>,
  name = 'deploy.config.ts',
): string {
  const text =
    typeof body === 'string'
      ? body
      : `import { defineConfig } from 'handoff-deploy';\n\nexport default defineConfig(${JSON.stringify(body, null, 2)} as never);\n`;
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export function captureIo(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  return {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    cwd,
    env,
    out: () => out,
    err: () => err,
  };
}
