// The Systems Manager transport through the real SDK client against the sandbox's endpoint, with its
// agent running here as a process of its own (no host namespaces: test/sandbox/ssm-*.test.ts has
// those). Commands really run; nothing is mocked.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsmEndpoint, startSsmEndpoint } from '../../scripts/sandbox/ssm/server.ts';
import { Pacer } from '../../src/executors/pacer.ts';
import { SsmExecutor, type SsmTarget, ssmClient } from '../../src/executors/ssm.ts';
import { OUTPUT_DIR, PAGE_BYTES } from '../../src/executors/ssm-script.ts';
import type { Cmd } from '../../src/remote/shell.ts';

const INSTANCE = 'i-0f00000000000000d';
const AGENT = path.resolve(import.meta.dirname, '../../scripts/sandbox/ssm/agent.ts');
const sh = (script: string, input?: string): Cmd => ({
  kind: 'state.read',
  argv: ['sh', '-c', script],
  ...(input !== undefined ? { input: { data: input, shown: input } } : {}),
});

describe('ssm transport (real SDK, local endpoint, a real agent)', () => {
  let endpoint: SsmEndpoint;
  let agent: ChildProcess;
  let dir: string;
  const target = (over: Partial<SsmTarget> = {}): SsmTarget => ({
    name: 'h1',
    instanceId: INSTANCE,
    client: ssmClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
    }),
    pacer: new Pacer(),
    executionTimeoutSeconds: 60,
    deliveryTimeoutSeconds: 30,
    ...over,
  });

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIASANDBOX';
    process.env.AWS_SECRET_ACCESS_KEY = 'sandbox';
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssm-transport-'));
    endpoint = await startSsmEndpoint({ port: 0, throttle: { rate: 4, burst: 4 } });
    agent = spawn(
      process.execPath,
      [AGENT, '--endpoint', endpoint.url, '--instance', INSTANCE, '--data-dir', dir],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100 && !endpoint.model.knows(INSTANCE); i++)
      await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    await endpoint?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('returns the exit code (ResponseCode), stdout and stderr, and feeds input on stdin', async () => {
    const exec = new SsmExecutor(target());
    const r = await exec.run(sh('echo out; echo err >&2; exit 3'));
    expect([r.code, r.stdout, r.stderr]).toEqual([3, 'out\n', 'err\n']);
    const c = await exec.run(sh('cat; printf "|%s" "$HANDOFF_SSM_RUN" | wc -c', 'a b\nc'));
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('a b\nc37\n'); // '|' and the marker, a 36-character UUID
  }, 30_000);

  it('reads an output far over the 24,000 characters Run Command returns, byte for byte, in pages', async () => {
    const script = 'i=0; while [ $i -lt 3000 ]; do printf "line %05d é漢\\n" $i; i=$((i+1)); done';
    const expected = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(Buffer.byteLength(expected)).toBeGreaterThan(3 * PAGE_BYTES);
    // OUTPUT_DIR is the machine's, shared with every other run here: look for this run's files only.
    const r = await new SsmExecutor(target()).run(sh(`${script}; echo "$HANDOFF_SSM_RUN" >&2`));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
    const runId = r.stderr.trim();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const left = fs.existsSync(OUTPUT_DIR)
      ? fs.readdirSync(OUTPUT_DIR).filter((f) => f.startsWith(runId))
      : [];
    expect(left).toEqual([]); // the last page removed the files
  }, 60_000);

  it('rides out throttling: four hosts at once, every command answered once, every throttle seen by the pacer', async () => {
    // The throttles are injected, not raced for: at load 15-22 four hosts' polls came too slowly to
    // empty a 4/s bucket, and the pacer was never throttled though nothing was wrong with it.
    const throttled = () => Object.values(endpoint.counts).reduce((n, c) => n + c.throttled, 0);
    const before = { invocations: endpoint.model.invocations.size, throttled: throttled() };
    endpoint.faults.throttle.SendCommand = 2; // not accepted: sent again, and run once
    endpoint.faults.throttle.GetCommandInvocation = 4;
    const pacer = new Pacer();
    const runs = await Promise.all(
      [1, 2, 3, 4].map((n) => new SsmExecutor(target({ name: `h${n}`, pacer })).run(sh(`echo ${n}`))),
    );
    expect(runs.map((r) => [r.code, r.stdout])).toEqual([1, 2, 3, 4].map((n) => [0, `${n}\n`]));
    expect([endpoint.faults.throttle.SendCommand, endpoint.faults.throttle.GetCommandInvocation]).toEqual([
      0, 0,
    ]);
    expect(endpoint.model.invocations.size - before.invocations).toBe(4);
    // The bucket (4/s) may throttle more on a quiet machine: each one, injected or not, slowed the pacer.
    expect(throttled() - before.throttled).toBeGreaterThanOrEqual(6);
    expect(pacer.throttles).toBe(throttled() - before.throttled);
  }, 60_000);

  it('rides out a dropped connection and a 500 while it polls: the command still answers', async () => {
    // A read is safe to repeat; under load a reused keep-alive connection is reset now and then.
    endpoint.faults.drop.GetCommandInvocation = 2;
    endpoint.faults.error.GetCommandInvocation = 1;
    const r = await new SsmExecutor(target()).run(sh('sleep 1; echo ok'));
    expect([r.code, r.stdout]).toEqual([0, 'ok\n']);
    expect([endpoint.faults.drop.GetCommandInvocation, endpoint.faults.error.GetCommandInvocation]).toEqual([
      0, 0,
    ]);
  }, 30_000);

  it('gives up on a read that keeps failing, after a bounded number of tries', async () => {
    endpoint.faults.drop.GetCommandInvocation = 1000;
    const before = endpoint.counts.GetCommandInvocation?.calls ?? 0;
    try {
      await expect(new SsmExecutor(target()).run(sh('echo never read'))).rejects.toThrow(
        /ECONNRESET|socket hang up/,
      );
      const tries = (endpoint.counts.GetCommandInvocation?.calls ?? 0) - before;
      expect(tries).toBeGreaterThan(1);
      expect(tries).toBeLessThanOrEqual(8);
    } finally {
      endpoint.faults.drop.GetCommandInvocation = 0;
    }
  }, 60_000);

  it('never sends a SendCommand again whose answer was lost (it may have run): the connection is lost', async () => {
    endpoint.faults.drop.SendCommand = 1;
    const before = endpoint.model.invocations.size;
    const r = await new SsmExecutor(target()).run(sh('echo once'));
    expect([r.code, r.connectionLost]).toEqual([255, true]);
    expect(r.stderr).toMatch(/SendCommand to h1 failed: .*(socket hang up|ECONNRESET)/);
    expect(endpoint.model.invocations.size).toBe(before + 1);
  }, 30_000);

  it("an execution timeout is the agent's 137 with the status in stderr", async () => {
    const r = await new SsmExecutor(target({ executionTimeoutSeconds: 1 })).run(sh('sleep 20'));
    expect(r.code).toBe(137);
    expect(r.stderr).toMatch(/TimedOut \(ExecutionTimedOut\)/);
  }, 30_000);

  it('a deadline bounds the command on the host (executionTimeout from the time left)', async () => {
    const exec = new SsmExecutor(target({ executionTimeoutSeconds: 600 }));
    const t0 = Date.now();
    const r = await exec.run(sh('sleep 20'), { deadline: Date.now() + 1500 });
    expect(r.code).toBe(137);
    // Ended by the agent near the deadline, not after the sleep's 20 s: this whole test took 2.7-3.7 s
    // in 22 logged suite runs (load up to 22), polling included.
    expect(Date.now() - t0).toBeLessThan(8000);
  }, 30_000);

  it('on abort cancels, and kills what escaped the process group (setsid), verified', async () => {
    const ac = new AbortController();
    const tag = 3000 + Math.floor(Math.random() * 900);
    const run = new SsmExecutor(target()).run(sh(`setsid sleep ${tag} & sleep ${tag + 1}`), {
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(new Error('interrupted')), 2000);
    await expect(run).rejects.toThrow('interrupted');
    const left = execFileSync('sh', ['-c', `pgrep -f '[s]leep ${tag}' || true`], { encoding: 'utf8' });
    expect(left).toBe('');
  }, 60_000);

  it('refuses an input that carries secrets before sending anything', async () => {
    const before = endpoint.model.invocations.size;
    const cmd: Cmd = {
      kind: 'jvm.start',
      argv: ['cat'],
      input: { data: 'TOKEN=s3cret', shown: 'TOKEN=***' },
    };
    await expect(new SsmExecutor(target()).run(cmd)).rejects.toThrow(/secrets/);
    expect(endpoint.model.invocations.size).toBe(before);
  });

  it('sends an expiring credential (a presigned URL on stdin): it is useless once the history is read', async () => {
    const cmd: Cmd = {
      kind: 'release.download',
      argv: ['cat'],
      input: { data: 'https://b/k?X-Amz-Signature=abc\n', shown: '*** (a presigned URL)\n', expiring: true },
    };
    const r = await new SsmExecutor(target()).run(cmd);
    expect(r).toMatchObject({ code: 0, stdout: 'https://b/k?X-Amz-Signature=abc\n' });
  });
});
