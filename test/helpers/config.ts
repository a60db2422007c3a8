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

/**
 * Drain mode 'deregister': a target group (health check 5 / 2 / 2 / 2) and the hosts as its
 * instances, i-0a, i-0b, ... in order.
 */
export function deregisterMode(raw: Record<string, unknown>): Record<string, unknown> {
  let out = edit(raw, 'drain', { mode: 'deregister' });
  out = edit(out, 'loadBalancer', {
    targetGroup: 'tg',
    region: 'us-east-1',
    healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 2, healthyThreshold: 2 },
  });
  for (const i of (out.hosts as unknown[]).keys())
    out = edit(out, `hosts.${i}.instanceId`, `i-0${String.fromCharCode(97 + i)}`);
  return out;
}

/** Strategy 'swap' on the first host alone: the pair 8080 / 8081, the port in PORT (with deregisterMode). */
export function swapOnOne(raw: Record<string, unknown>): Record<string, unknown> {
  let out = edit(raw, 'strategy', 'swap');
  out = edit(out, 'app.ports', [8080, 8081]);
  out = edit(out, 'app.portEnv', 'PORT');
  return edit(out, 'hosts', [(out.hosts as unknown[])[0]]);
}

/** One host, web-1, on a test SSH server at 127.0.0.1:`port` (test/helpers/ssh-server.ts); the app under `dir`/app. */
export function oneHostConfig(dir: string, port: number): Record<string, unknown> {
  return {
    app: { name: 'demo', dir: join(dir, 'app'), port: 8080 },
    hosts: [{ name: 'web-1', host: '127.0.0.1', port, user: 'root', privateKeyPath: 'id_ed25519' }],
    loadBalancer: {
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 3, healthyThreshold: 2 },
    },
    ssh: { knownHostsPath: 'known_hosts' },
  };
}

/** A line of a host's .handoff/history.jsonl: `release` deployed over `from` (docs/contracts.md). */
export const historyEntry = (release: string, from: string | null) => ({
  release,
  from,
  result: 'deployed',
  at: '2026-01-01T00:00:00Z',
  by: 'ci',
  runUrl: null,
});

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
