// Start-up stays small because each command loads only what it uses: `plan` on a config without a
// target group loads no AWS SDK, no SSH, no zx and no chart code; --help and --version not even the
// config schema. Checked by recording every module the process loads (test/helpers/load-trace.mjs),
// not by timing (bench/startup.ts measures the time).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, OFFLINE_AWS } from '../helpers/cli.ts';
import { baseConfig, edit, tempDir, writeConfig } from '../helpers/config.ts';

const HOOK = join(import.meta.dirname, '..', 'helpers', 'load-trace.mjs');

/** The modules `deploy ...argv` loads: their URLs, and the text of the project's own files among them. */
function loads(argv: string[], cwd: string) {
  const trace = join(tempDir(), 'loaded.txt');
  return new Promise<{ code: number; urls: string[]; ownText: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', HOOK, BIN, ...argv],
      { cwd, env: { ...process.env, ...OFFLINE_AWS, HANDOFF_LOAD_TRACE: trace, NO_COLOR: '1' } },
      (error) => {
        const urls = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
        const own = urls.filter((u) => u.startsWith('file:') && u.includes('/dist/'));
        const ownText = own.map((u) => readFileSync(fileURLToPath(u), 'utf8')).join('\n');
        resolve({ code: error ? Number(error.code ?? 1) : 0, urls, ownText });
      },
    );
  });
}

const PACKAGES_NOT_FOR_PLAN = ['@aws-sdk/', '@smithy/', 'node-ssh', 'ssh2', '/zx/', 'p-retry'];
// Chart and report code, by the names of its functions (the bundle keeps names).
const CHART_CODE = ['function renderMemorySvg', 'function renderTerminalChart', 'function memoryMermaid'];

describe('what a command loads', () => {
  it('plan on an offline config: no AWS SDK, SSH, zx or chart code', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig());
    const r = await loads(['plan'], dir);
    expect(r.code).toBe(0);
    for (const pkg of PACKAGES_NOT_FOR_PLAN)
      expect(
        r.urls.filter((u) => u.includes(pkg)),
        pkg,
      ).toEqual([]);
    for (const code of CHART_CODE) expect(r.ownText, code).not.toContain(code);
    expect(r.urls.filter((u) => u.includes('/node_modules/zod/'))).toEqual([]); // zod is in the bundle, once
  });

  it('the check can fail: plan with a target group does load the AWS SDK', async () => {
    const dir = tempDir();
    writeConfig(dir, edit(baseConfig(), 'loadBalancer.targetGroup', 'tg'));
    const r = await loads(['plan'], dir);
    expect(r.urls.some((u) => u.includes('@aws-sdk/client-elastic-load-balancing-v2'))).toBe(true);
  });

  it.each([['--help'], ['--version'], ['help', 'run']])(
    '%s loads no config schema and no zod',
    async (...argv) => {
      const r = await loads(argv, tempDir());
      expect(r.code).toBe(0);
      expect(r.ownText).not.toMatch(/ZodError|function validateConfig/);
      expect(r.urls.filter((u) => u.includes('node_modules'))).toEqual([]);
    },
  );
});
