// Hooks' pure parts and their runner, on real processes: the schema, the step context as env, the
// one script that runs a hook here or on a host (run by a real sh through the local executor), the
// first failure stopping the list, the timeout, onFailure never throwing, and the dry run's view.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactor } from '../../src/core/redact.ts';
import { LocalExecutor } from '../../src/executors/local.ts';
import { type Recorded, RecordingExecutor } from '../../src/executors/recording.ts';
import type { RunOptions } from '../../src/executors/types.ts';
import { type HookContext, hookEnv } from '../../src/hooks/env.ts';
import { HookError, runFailureHooks, runHooks } from '../../src/hooks/run.ts';
import { HOOK_POINTS, hooksSchema } from '../../src/hooks/schema.ts';
import { renderRecorded } from '../../src/render/recorded.ts';
import { tempDir } from '../helpers/config.ts';

const SECRET = 'S3cret-hook-never-shown';
const ctx = (over: Partial<HookContext> = {}): HookContext => ({
  hook: 'beforeDrain',
  app: 'shop',
  host: 'web-1',
  address: '10.0.1.10',
  release: '20260101T000000Z',
  releaseDir: '/srv/app/releases/20260101T000000Z',
  previousRelease: '20251231T000000Z',
  commit: { sha: 'abc123', subject: 'fix: the cart' },
  environment: 'staging',
  step: 'drain',
  ...over,
});

function setup() {
  const dir = tempDir();
  const hostDir = join(dir, 'host');
  const localDir = join(dir, 'local');
  mkdirSync(hostDir);
  mkdirSync(localDir);
  const deps = {
    host: new LocalExecutor(dir),
    local: new LocalExecutor(dir),
    hostDir,
    localDir,
    redact: redactor([SECRET]).text,
  };
  return { dir, hostDir, localDir, deps };
}

describe('hooks schema', () => {
  it('one hook or a list; where defaults to host, timeoutSeconds to 300', () => {
    const hooks = hooksSchema.parse({
      beforeDrain: { run: './bin/migrate' },
      afterDeploy: [{ run: 'notify', where: 'local', timeoutSeconds: 10 }, { run: 'warm' }],
    });
    expect(hooks.beforeDrain).toEqual([{ run: './bin/migrate', where: 'host', timeoutSeconds: 300 }]);
    expect(hooks.afterDeploy?.map((h) => h.where)).toEqual(['local', 'host']);
    expect(hooksSchema.parse(undefined)).toEqual({});
  });

  it.each([
    [{ beforeDrian: { run: 'x' } }, 'an unknown hook'],
    [{ beforeDrain: { run: '  ' } }, 'an empty command'],
    [{ beforeDrain: { run: 'x', where: 'remote' } }, 'an unknown where'],
    [{ beforeDrain: { run: 'x', timeoutSeconds: 0 } }, 'a zero timeout'],
    [{ beforeDrain: { run: 'x', timeoutSeconds: 7200 } }, 'a timeout over an hour'],
    [{ beforeDrain: [] }, 'an empty list'],
    [{ beforeDrain: { run: 'x', env: { A: '1' } } }, 'an unknown key'],
  ] as [unknown, string][])('refuses %j (%s)', (value) => {
    expect(hooksSchema.safeParse(value).success).toBe(false);
  });

  it('a before-hook aborts with nothing changed; after-hooks undo; onFailure only reports', () => {
    expect(HOOK_POINTS.beforeDrain).toEqual({ at: 'before', step: 'drain', onFail: 'abort' });
    expect(
      [HOOK_POINTS.afterStart, HOOK_POINTS.afterHealthy, HOOK_POINTS.afterDeploy].map((p) => p.onFail),
    ).toEqual(['undo', 'undo', 'undo']);
    expect(HOOK_POINTS.onFailure.onFail).toBe('report');
  });
});

describe('hookEnv', () => {
  it('the step context, one line per value, nothing for what is unknown', () => {
    const env = hookEnv(ctx({ hook: 'onFailure', failedStep: 'health', error: 'health failed\n  on web-1' }));
    expect(env).toEqual({
      HANDOFF_HOOK: 'onFailure',
      HANDOFF_APP: 'shop',
      HANDOFF_HOST: 'web-1',
      HANDOFF_HOST_ADDRESS: '10.0.1.10',
      HANDOFF_RELEASE: '20260101T000000Z',
      HANDOFF_RELEASE_DIR: '/srv/app/releases/20260101T000000Z',
      HANDOFF_PREVIOUS_RELEASE: '20251231T000000Z',
      HANDOFF_COMMIT: 'abc123',
      HANDOFF_COMMIT_SUBJECT: 'fix: the cart',
      HANDOFF_ENVIRONMENT: 'staging',
      HANDOFF_STEP: 'drain',
      HANDOFF_FAILED_STEP: 'health',
      HANDOFF_ERROR: 'health failed on web-1',
    });
    const bare = hookEnv(ctx({ previousRelease: undefined, commit: undefined, environment: undefined }));
    expect(Object.keys(bare)).not.toContain('HANDOFF_PREVIOUS_RELEASE');
    expect(Object.keys(bare)).not.toContain('HANDOFF_ENVIRONMENT');
  });
});

describe('runHooks on real processes', () => {
  it('runs on the host in the release dir and locally in the config dir, with the context in env', async () => {
    const { hostDir, localDir, deps } = setup();
    const runs = await runHooks(
      [
        { run: 'env | grep ^HANDOFF_ > seen; pwd >> seen; cat > stdin', where: 'host', timeoutSeconds: 10 },
        { run: 'pwd > seen', where: 'local', timeoutSeconds: 10 },
      ],
      ctx(),
      deps,
    );
    expect(runs.map((r) => [r.where, r.code, r.timedOut])).toEqual([
      ['host', 0, false],
      ['local', 0, false],
    ]);
    const seen = readFileSync(join(hostDir, 'seen'), 'utf8');
    expect(seen).toContain('HANDOFF_RELEASE=20260101T000000Z\n');
    expect(seen).toContain('HANDOFF_COMMIT_SUBJECT=fix: the cart\n');
    expect(seen).toContain('HANDOFF_STEP=drain\n');
    expect(seen.trim().split('\n').at(-1)).toBe(hostDir);
    expect(readFileSync(join(hostDir, 'stdin'), 'utf8')).toBe(''); // the context is not the hook's stdin
    expect(readFileSync(join(localDir, 'seen'), 'utf8').trim()).toBe(localDir);
  });

  it('a context value is data, never shell: $(...) in the error is not run', async () => {
    const { dir, deps } = setup();
    const pwned = join(dir, 'pwned');
    await runFailureHooks(
      [{ run: 'printf "%s" "$HANDOFF_ERROR" > error', where: 'host', timeoutSeconds: 10 }],
      ctx({ hook: 'onFailure', error: `$(touch ${pwned}) \`touch ${pwned}\`` }),
      deps,
    );
    expect(existsSync(pwned)).toBe(false);
    expect(readFileSync(join(deps.hostDir, 'error'), 'utf8')).toBe(`$(touch ${pwned}) \`touch ${pwned}\``);
  });

  it('the first failure stops the list: HookError names the hook, where, host, exit code and output', async () => {
    const { hostDir, deps } = setup();
    const error = await runHooks(
      [
        { run: 'echo migrating; echo "no database" >&2; exit 3', where: 'host', timeoutSeconds: 10 },
        { run: 'touch second', where: 'host', timeoutSeconds: 10 },
      ],
      ctx(),
      deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookError);
    expect((error as HookError).message).toBe(
      'hook beforeDrain (host) failed on web-1 (exit 3):\n    migrating\n    no database',
    );
    expect(existsSync(join(hostDir, 'second'))).toBe(false);
  });

  it('a hook past its timeout is stopped and fails as timed out', async () => {
    const { deps } = setup();
    const t0 = Date.now();
    const error = (await runHooks([{ run: 'sleep 30', where: 'host', timeoutSeconds: 1 }], ctx(), deps).catch(
      (e: unknown) => e,
    )) as HookError;
    // Stopped at its 1 s limit, not after the sleep's 30 s: the bound is the limit, the 5 s kill
    // grace and 3 s for the spawns. This whole test took 1.0-2.1 s in ten logged suite runs (load up to 22).
    expect(Date.now() - t0).toBeLessThan(9000);
    expect(error.run).toMatchObject({ timedOut: true, code: 124 });
    expect(error.message).toMatch(/^hook beforeDrain \(host\) failed on web-1 \(timed out\)/);
  });

  it("a host hook's command carries its limit and the kill grace as its deadline on the host; a local one none", async () => {
    const seen: { host: string; deadline: number | undefined }[] = [];
    const spy = (name: string) => {
      const inner = new RecordingExecutor(name);
      return Object.assign(Object.create(inner) as RecordingExecutor, {
        run: (cmd: never, o: RunOptions = {}) => {
          seen.push({ host: name, deadline: o.deadline });
          return inner.run(cmd, o);
        },
      });
    };
    const deps = { ...setup().deps, host: spy('web-1'), local: spy('local') };
    const t0 = Date.now();
    await runHooks(
      [
        { run: './bin/migrate', where: 'host', timeoutSeconds: 60 },
        { run: 'notify', where: 'local', timeoutSeconds: 10 },
      ],
      ctx(),
      deps,
    );
    const t1 = Date.now();
    expect(seen.map((s) => s.host)).toEqual(['web-1', 'local']);
    // SIGTERM at 60 s, SIGKILL 5 s later (docs/hooks.md): the host's deadline is then.
    expect(seen[0]!.deadline).toBeGreaterThanOrEqual(t0 + 65_000);
    expect(seen[0]!.deadline).toBeLessThanOrEqual(t1 + 65_000);
    expect(seen[1]!.deadline).toBeUndefined();
  });

  it('onFailure: every hook tried, none throws, a failure is a warning; secrets redacted', async () => {
    const { hostDir, deps } = setup();
    const { runs, warnings } = await runFailureHooks(
      [
        { run: `echo "token ${SECRET}"; exit 2`, where: 'host', timeoutSeconds: 10 },
        { run: 'printf "%s" "$HANDOFF_ERROR" > error', where: 'host', timeoutSeconds: 10 },
      ],
      ctx({ hook: 'onFailure', failedStep: 'health', error: `health failed: password ${SECRET}` }),
      deps,
    );
    expect(runs.map((r) => r.code)).toEqual([2, 0]);
    expect(warnings).toEqual([
      "hook onFailure (host) failed on web-1 (exit 2):\n    token *** (the deploy's own error stands)",
    ]);
    expect(readFileSync(join(hostDir, 'error'), 'utf8')).toBe('health failed: password ***');
  });

  it('a dry run records each hook as the shell text it would send, with its context as stdin', async () => {
    const log: Recorded[] = [];
    const recording = new RecordingExecutor('web-1', log);
    const deps = { ...setup().deps, host: recording, local: new RecordingExecutor('local', log) };
    await runHooks(
      [
        { run: './bin/migrate --to latest', where: 'host', timeoutSeconds: 60 },
        { run: 'curl -fsS https://hooks.example.com/deployed', where: 'local', timeoutSeconds: 10 },
      ],
      ctx({ dryRun: true }),
      deps,
    );
    const text = renderRecorded(log, { verbose: true });
    expect(text).toMatch(
      /web-1 +hook\n {4}sh -c '.*' handoff \/.*\/host 60 '\.\/bin\/migrate --to latest' <<'STDIN'/s,
    );
    expect(text).toMatch(/HANDOFF_DRY_RUN=1\n/);
    expect(text).toMatch(/local +hook\n/);
  });
});
