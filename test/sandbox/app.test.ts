// The sandbox app and its build: build.sh really produces a runnable jar (health flip, loopback-only
// termination, graceful SIGTERM), and BREAK_BUILD makes the build fail as the broken-build test needs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyAppSources } from '../../scripts/sandbox/app.ts';
import { run, sleep } from '../../scripts/sandbox/proc.ts';
import { sandboxDescribe } from './_env.ts';

const PORT = 18597; // loopback only, outside the contract's ports
const build = (dir: string) =>
  run('sh', [path.join(dir, 'build.sh')], {
    env: { ...process.env, BUILD_SECONDS: '1', BUILD_MB: '64' },
    allowFail: true,
  });

sandboxDescribe('sandbox app and build', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-app-'));
    copyAppSources(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('build.sh holds the memory it was asked to, then writes build/app.jar', async () => {
    const r = await build(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/BUILD SUCCESSFUL .* \(64 MB held\)/);
    expect(fs.statSync(path.join(dir, 'build', 'app.jar')).size).toBeGreaterThan(1000);
  });

  it('the built jar serves /, flips /health on POST /termination and exits on SIGTERM after in-flight work', async () => {
    const app = spawn('java', ['-Xmx128m', '-jar', path.join(dir, 'build', 'app.jar')], {
      env: { ...process.env, PORT: String(PORT), HEAP_MB: '16', APP_VERSION: 'v-test', GRACE_SECONDS: '10' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) =>
      app.on('exit', (code, signal) => r(code ?? (signal ? 128 : null))),
    );
    try {
      const base = `http://127.0.0.1:${PORT}`;
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`${base}/health`).then(
            (x) => x.ok,
            () => false,
          )
        )
          break;
        await sleep(100);
      }
      expect(await (await fetch(`${base}/`)).text()).toMatch(/^version=v-test host=\S+/);
      expect(await (await fetch(`${base}/version`)).text()).toBe('v-test\n');
      const term = await fetch(`${base}/termination`, { method: 'POST' });
      expect(term.status).toBe(200);
      expect((await fetch(`${base}/health`)).status).toBe(502);
      expect((await fetch(`${base}/`)).status).toBe(200); // still serves while failing health
      const slow = fetch(`${base}/?ms=1500`).then((x) => x.status);
      await sleep(300);
      const t0 = Date.now();
      app.kill('SIGTERM');
      expect(await slow).toBe(200); // the in-flight request completes
      expect(await exited).toBe(143);
      expect(Date.now() - t0).toBeLessThan(5000); // not the whole grace period
    } finally {
      app.kill('SIGKILL');
    }
  });

  it('fails with a clear message when BREAK_BUILD is present', async () => {
    fs.writeFileSync(path.join(dir, 'BREAK_BUILD'), '');
    const r = await build(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BREAK_BUILD');
  });
});
