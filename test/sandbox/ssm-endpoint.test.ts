// The local Systems Manager endpoint through the real SDK client, with an agent inside each sandbox
// host: commands really run on the host (its name, cgroup, service environment), and the service's
// behaviour an adapter must handle is there: InvocationDoesNotExist right after SendCommand, output
// cut at 24,000 / 8,000 characters, throttling, an execution timeout, a cancel that leaves whatever
// escaped the process group running, and a delivery timeout when the agent is gone.
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SSM } from '../../scripts/sandbox/contract.ts';
import { sshRun } from '../../scripts/sandbox/ssh.ts';
import { stopAgent } from '../../scripts/sandbox/ssm/agents.ts';
import { type SsmSandbox, startSsmSandbox } from '../../scripts/sandbox/ssm/sandbox.ts';
import { sandboxDescribe, sandboxForSuite } from './_env.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut']);

sandboxDescribe('local Systems Manager endpoint (real SDK, agents in the hosts)', () => {
  const state = sandboxForSuite();
  let ssm: SsmSandbox;
  let client: SSMClient;
  beforeAll(async () => {
    ssm = await startSsmSandbox(state(), { throttle: { rate: 10, burst: 10 } });
    client = new SSMClient({
      endpoint: ssm.endpoint.url,
      region: SSM.region,
      credentials: { accessKeyId: 'AKIASANDBOX', secretAccessKey: 'sandbox' },
      maxAttempts: 1,
    });
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await ssm?.stop();
  });

  const send = async (
    host: string,
    commands: string[],
    extra: { executionTimeout?: string; timeoutSeconds?: number } = {},
  ) => {
    const out = await client.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [ssm.instances[host] as string],
        Parameters: {
          commands,
          ...(extra.executionTimeout ? { executionTimeout: [extra.executionTimeout] } : {}),
        },
        ...(extra.timeoutSeconds ? { TimeoutSeconds: extra.timeoutSeconds } : {}),
      }),
    );
    return out.Command?.CommandId as string;
  };
  /** Polls at 2/s, recording every status seen, until a final one. */
  const until = async (host: string, commandId: string, seen: string[] = [], stopAt = '') => {
    for (;;) {
      try {
        const r = await client.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ssm.instances[host] }),
        );
        if (seen.at(-1) !== r.Status) seen.push(r.Status as string);
        if (FINAL.has(r.Status as string) || r.Status === stopAt)
          return r as GetCommandInvocationCommandOutput;
      } catch (e) {
        if ((e as Error).name !== 'InvocationDoesNotExist') throw e;
        if (seen.at(-1) !== 'InvocationDoesNotExist') seen.push('InvocationDoesNotExist');
      }
      await sleep(500);
    }
  };

  it('runs a command on the host itself: its name, its cgroup, a service environment; exit codes as ResponseCode', async () => {
    const id = await send('h1', [
      'hostname',
      'cat /proc/self/cgroup',
      'echo "home=$(printenv HOME || echo unset)"',
      'echo oops >&2',
    ]);
    const seen: string[] = [];
    const r = await until('h1', id, seen);
    expect(r.Status).toBe('Success');
    expect(r.ResponseCode).toBe(0);
    const lines = (r.StandardOutputContent ?? '').split('\n');
    expect(lines[0]).toBe('h1');
    expect(r.StandardOutputContent).toMatch(/handoff-sandbox[^\n]*\/h1/);
    expect(r.StandardOutputContent).toContain('home=unset');
    expect(r.StandardErrorContent).toBe('oops\n');
    expect(seen[0]).toBe('InvocationDoesNotExist');
    const failed = await until('h2', await send('h2', ['hostname', 'exit 3']));
    expect([failed.Status, failed.ResponseCode, failed.StandardOutputContent]).toEqual(['Failed', 3, 'h2\n']);
  });

  it('cuts stdout at 24,000 and stderr at 8,000 characters', async () => {
    const r = await until(
      'h1',
      await send('h1', ["head -c 30000 /dev/zero | tr '\\0' o", "head -c 9000 /dev/zero | tr '\\0' e >&2"]),
    );
    expect(r.StandardOutputContent).toBe('o'.repeat(24_000));
    expect(r.StandardErrorContent).toBe('e'.repeat(8_000));
  });

  it('throttles a caller that polls too fast', async () => {
    const id = await send('h1', ['true']);
    await sleep(1500);
    // 60 calls at once against a 10/s bucket of 10: the answers that got through must fit the bucket
    // over the time the calls took (on a loaded machine they spread over seconds and refill it).
    const t0 = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () =>
        client.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: ssm.instances.h1 })),
      ),
    );
    const seconds = (Date.now() - t0) / 1000;
    const names = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'ok'));
    const ok = names.filter((n) => n === 'ok').length;
    expect(ok + names.filter((n) => n === 'ThrottlingException').length).toBe(60);
    expect(ok).toBeGreaterThanOrEqual(10); // the burst
    expect(ok).toBeLessThanOrEqual(10 + Math.ceil(10 * seconds)); // burst + rate x elapsed
    expect(ok).toBeLessThan(60);
    await sleep(2500); // refill for the next tests
  });

  it('kills a command at its executionTimeout (TimedOut, ExecutionTimedOut, 137)', async () => {
    const t0 = Date.now();
    const r = await until('h2', await send('h2', ['echo started', 'sleep 20'], { executionTimeout: '2' }));
    expect([r.Status, r.StatusDetails, r.ResponseCode]).toEqual(['TimedOut', 'ExecutionTimedOut', 137]);
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it('cancels: Cancelling, then Cancelled; the process group dies, a setsid child survives', async () => {
    // No trailing comments: in `sleep 300 # tag &` the `&` is part of the comment, so the script
    // blocked on the first sleep and never started the escaped child.
    const id = await send('h1', ['sleep 300 &', 'setsid sleep 301 &', 'sleep 302']);
    const seen: string[] = [];
    await until('h1', id, seen, 'InProgress');
    // Cancel only once the script has started its children (a fixed 1 s was not enough at load 20):
    // seen from outside SSM, over the sandbox's SSH.
    for (let i = 0; i < 50; i++) {
      const r = await sshRun(state().hosts[0]!.ip, "pgrep -f '^sleep 301$' || true");
      if (r.stdout.trim()) break;
      await sleep(200);
    }
    await client.send(new CancelCommandCommand({ CommandId: id }));
    const r = await until('h1', id, seen);
    expect(r.Status).toBe('Cancelled');
    expect(seen).toContain('Cancelling');
    const left = await until('h1', await send('h1', ["pgrep -af 'sleep 30[012]' || true"]));
    expect(left.StandardOutputContent).toMatch(/sleep 301/);
    expect(left.StandardOutputContent).not.toMatch(/sleep 30[02]/);
    await until('h1', await send('h1', ["pkill -f 'sleep 301' || true"]));
  }, 30_000);

  it('an instance whose agent is gone: Pending, Delayed, then TimedOut with DeliveryTimedOut at TimeoutSeconds', async () => {
    await stopAgent(ssm.agents.find((a) => a.host === 'h2') as (typeof ssm.agents)[number]);
    await sleep(3500);
    const t0 = Date.now();
    const seen: string[] = [];
    const r = await until('h2', await send('h2', ['hostname'], { timeoutSeconds: 30 }), seen);
    expect([r.Status, r.StatusDetails, r.ResponseCode]).toEqual(['TimedOut', 'DeliveryTimedOut', -1]);
    expect(seen).toEqual(['InvocationDoesNotExist', 'Pending', 'Delayed', 'TimedOut']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(29_000);
  }, 60_000);
});
