// Run Command for several instances at once, through the real SDK client against the sandbox's
// endpoint with three real agents, each with its own /var/tmp and processes (mount and PID
// namespaces: instances share no files and see no other's processes, as in AWS). The endpoint's MaxConcurrency and MaxErrors, then the transport's
// joint sends: the same command from hosts side by side goes out once, each host gets its own result.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginOutput } from '../../scripts/sandbox/ssm/model.ts';
import { type SsmEndpoint, startSsmEndpoint } from '../../scripts/sandbox/ssm/server.ts';
import { Pacer } from '../../src/executors/pacer.ts';
import { SsmExecutor, ssmClient } from '../../src/executors/ssm.ts';
import { JointSender } from '../../src/executors/ssm-joint.ts';
import { fromPluginOutput } from '../../src/executors/ssm-script.ts';
import type { Cmd } from '../../src/remote/shell.ts';

const AGENT = path.resolve(import.meta.dirname, '../../scripts/sandbox/ssm/agent.ts');
const NAMES = ['h1', 'h2', 'h3'] as const;
const ID: Record<string, string> = {
  h1: 'i-0f0000000000000a1',
  h2: 'i-0f0000000000000a2',
  h3: 'i-0f0000000000000a3',
};
const sh = (script: string): Cmd => ({ kind: 'state.read', argv: ['sh', '-c', script] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut']);

describe("a listed invocation's Output (ListCommandInvocations with Details)", () => {
  const TITLE = '\n----------ERROR-------\n';
  it("is the agent's: stdout, stderr under a title, cut to 2,500 characters with a marker where cut", () => {
    expect(pluginOutput('out\n', '')).toBe('out\n');
    expect(pluginOutput('out\n', 'err\n')).toBe(`out\n${TITLE}err\n`);
    // Both long: 2,500 - 24 (title) = 2,476, less the two 23-character markers, halved: 1,215 each.
    expect(pluginOutput('o'.repeat(2000), 'e'.repeat(2000))).toBe(
      `${'o'.repeat(1215)}\n---Output truncated---${TITLE}${'e'.repeat(1215)}\n---Error truncated----`,
    );
    // Short stdout, long stderr: stderr gets the rest, 2,476 - 23 - 4.
    expect(pluginOutput('out\n', 'e'.repeat(3000))).toBe(
      `out\n${TITLE}${'e'.repeat(2449)}\n---Error truncated----`,
    );
  });

  it("is taken for the run's answer only when all of it is there; else GetCommandInvocation reads it", () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const answer = (out: string, err: string, code = 0) => ({
      stdout: `handoff-ssm-result ${code} ${out.length} ${err.length}\n${b64(out)}\n`,
      stderr: b64(err),
    });
    const small = answer('h1', 'warn\n', 7);
    expect(fromPluginOutput(pluginOutput(small.stdout, small.stderr))).toEqual(small);
    const quiet = answer('h1\n', '');
    expect(fromPluginOutput(pluginOutput(quiet.stdout, quiet.stderr))).toEqual(quiet);
    const long = answer('o'.repeat(3000), '');
    expect(fromPluginOutput(pluginOutput(long.stdout, long.stderr))).toBeUndefined();
    const loud = answer('h1', 'e'.repeat(3000));
    expect(fromPluginOutput(pluginOutput(loud.stdout, loud.stderr))).toBeUndefined();
    // Cut by the service in some other way (no marker): the sizes in the trailer tell.
    expect(fromPluginOutput(`${long.stdout.slice(0, 2400)}`)).toBeUndefined();
    expect(fromPluginOutput('')).toBeUndefined(); // killed before its trailer: nothing to read
  });
});

describe('Run Command for several instances (real SDK, local endpoint, three agents)', () => {
  let endpoint: SsmEndpoint;
  const agents: ChildProcess[] = [];
  let dir: string;
  let client: ReturnType<typeof ssmClient>;
  const sends = () => endpoint.counts.SendCommand?.calls ?? 0;
  const calls = (action: string) => endpoint.counts[action]?.calls ?? 0;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIASANDBOX';
    process.env.AWS_SECRET_ACCESS_KEY = 'sandbox';
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssm-joint-'));
    endpoint = await startSsmEndpoint({ port: 0, throttle: { rate: 50, burst: 50 } });
    client = ssmClient({ endpoint: endpoint.url, region: 'us-east-1' });
    for (const name of NAMES) {
      // Each agent in mount and PID namespaces of its own (its own files and processes, as an
      // instance has: a sweep sees only its own), with a fresh /var/tmp that says who it is.
      const boot = 'mount -t tmpfs tmpfs /var/tmp && printf %s "$0" >/var/tmp/whoami && exec "$@"';
      const args = [AGENT, '--endpoint', endpoint.url, '--instance', ID[name] as string];
      args.push('--data-dir', path.join(dir, name));
      agents.push(
        spawn(
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            '--pid',
            '--fork',
            '--mount-proc',
            '--kill-child',
            'sh',
            '-c',
            boot,
            name,
            process.execPath,
            ...args,
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (let i = 0; i < 200 && !NAMES.every((n) => endpoint.model.knows(ID[n] as string)); i++)
      await sleep(50);
  }, 30_000);
  afterAll(async () => {
    for (const a of agents) a.kill('SIGKILL');
    client?.destroy();
    await endpoint?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const send = async (commands: string[], over: Partial<SendCommandCommandInput> = {}) =>
    (
      await client.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: NAMES.map((n) => ID[n] as string),
          Parameters: { commands },
          ...over,
        }),
      )
    ).Command?.CommandId as string;
  /** Each instance's invocation once final, in NAMES order. */
  const finals = (commandId: string): Promise<GetCommandInvocationCommandOutput[]> =>
    Promise.all(
      NAMES.map(async (n) => {
        for (;;) {
          await sleep(200);
          const r = await client
            .send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ID[n] }))
            .catch((e: Error) => {
              if (e.name !== 'InvocationDoesNotExist') throw e;
            });
          if (r && FINAL.has(r.Status as string)) return r;
        }
      }),
    );
  /** [start, end] on the host (ns) of a command that prints both around a sleep. */
  const windows = (invs: GetCommandInvocationCommandOutput[]) =>
    invs
      .map((i) => (i.StandardOutputContent ?? '').trim().split('\n').map(Number) as [number, number])
      .sort((a, b) => a[0] - b[0]);
  const timed = ['date +%s%N', 'sleep 0.6', 'date +%s%N'];

  it('MaxConcurrency 1 runs the targets one after another; the default runs them side by side', async () => {
    const one = windows(await finals(await send(timed, { MaxConcurrency: '1' })));
    for (let i = 1; i < one.length; i++)
      expect(one[i]?.[0]).toBeGreaterThanOrEqual(one[i - 1]?.[1] as number);
    // Side by side shown by a meeting, not by clocks: each host checks in and waits (10 s at most)
    // until all three have. At load 15+ an agent can start its command more than the 0.6 s of a
    // timed window after another, and the windows missed each other with nothing delivered late.
    const meet = path.join(dir, `meet-${Date.now()}`);
    fs.mkdirSync(meet);
    const met = await finals(
      await send([
        `touch ${meet}/$(cat /var/tmp/whoami)`,
        `i=0; while [ $(ls ${meet} | wc -l) -lt 3 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`,
        `ls ${meet} | wc -l`,
      ]),
    );
    expect(met.map((i) => [i.Status, i.StandardOutputContent?.trim()])).toEqual(
      NAMES.map(() => ['Success', '3']),
    );
  }, 30_000);

  it('MaxErrors: one error more than it allows and the targets not yet sent to are Cancelled (Terminated), never run', async () => {
    const strict = await finals(await send(['echo ran', 'exit 3'], { MaxConcurrency: '1', MaxErrors: '0' }));
    const statuses = (invs: GetCommandInvocationCommandOutput[]) =>
      invs.map((i) => `${i.Status}/${i.StatusDetails}/${i.ResponseCode}`).sort();
    expect(statuses(strict)).toEqual([
      'Cancelled/Terminated/-1',
      'Cancelled/Terminated/-1',
      'Failed/Failed/3',
    ]);
    expect(strict.filter((i) => i.StandardOutputContent === 'ran\n')).toHaveLength(1);
    const one = await finals(await send(['exit 3'], { MaxConcurrency: '1', MaxErrors: '1' }));
    expect(statuses(one)).toEqual(['Cancelled/Terminated/-1', 'Failed/Failed/3', 'Failed/Failed/3']);
    // All sent at once: nothing is left to stop, every target runs and fails on its own.
    const wide = await finals(await send(['exit 3'], { MaxConcurrency: '3', MaxErrors: '0' }));
    expect(statuses(wide)).toEqual(['Failed/Failed/3', 'Failed/Failed/3', 'Failed/Failed/3']);
  }, 30_000);

  it('ListCommandInvocations: every invocation of a command in pages of MaxResults; with Details, stdout then stderr under a title, cut at 2,500 characters as the agent cuts them', async () => {
    const id = await send(['cat /var/tmp/whoami', 'echo oops >&2']);
    await finals(id);
    const list = (over: { MaxResults?: number; NextToken?: string; Details?: boolean } = {}) =>
      client.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true, ...over }));
    const first = await list({ MaxResults: 2 });
    expect(first.CommandInvocations).toHaveLength(2);
    expect(first.NextToken).toBeTruthy();
    const second = await list({ MaxResults: 2, NextToken: first.NextToken as string });
    expect(second.CommandInvocations).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const all = [...(first.CommandInvocations ?? []), ...(second.CommandInvocations ?? [])];
    expect(all.map((i) => i.InstanceId).sort()).toEqual(NAMES.map((n) => ID[n]));
    for (const inv of all) {
      const name = NAMES.find((n) => ID[n] === inv.InstanceId);
      expect(inv.Status).toBe('Success');
      expect(inv.CommandPlugins).toMatchObject([
        { Name: 'aws:runShellScript', Status: 'Success', ResponseCode: 0 },
      ]);
      expect(inv.CommandPlugins?.[0]?.Output).toBe(`${name}\n----------ERROR-------\noops\n`);
    }
    expect((await list({ Details: false })).CommandInvocations?.map((i) => i.CommandPlugins)).toEqual([
      [],
      [],
      [],
    ]);
    // 3,000 characters of stdout, none of stderr: the first 2,477 and the agent's marker (23).
    const long = await send(["head -c 3000 /dev/zero | tr '\\0' o"]);
    await finals(long);
    const cut = await client.send(new ListCommandInvocationsCommand({ CommandId: long, Details: true }));
    expect(cut.CommandInvocations?.map((i) => i.CommandPlugins?.[0]?.Output)).toEqual(
      Array(3).fill(`${'o'.repeat(2477)}\n---Output truncated---`),
    );
    await expect(list({ NextToken: 'bm90IGEgdG9rZW4=' })).rejects.toMatchObject({ name: 'InvalidNextToken' });
    await expect(list({ MaxResults: 51 })).rejects.toMatchObject({ name: 'ValidationException' });
  }, 30_000);

  it('refuses MaxConcurrency and MaxErrors outside the service patterns', async () => {
    for (const bad of [
      { MaxConcurrency: '0' },
      { MaxConcurrency: '101%' },
      { MaxErrors: '-1' },
      { MaxErrors: 'all' },
    ])
      await expect(send(['true'], bad)).rejects.toMatchObject({ name: 'ValidationException' });
  });

  describe('joint sends (the transport)', () => {
    const hosts = (windowMs: number, names: string[] = [...NAMES], followMs?: number) => {
      const joint = new JointSender({
        client,
        pacer: new Pacer(),
        windowMs,
        ...(followMs === undefined ? {} : { followMs }),
      });
      return {
        joint,
        execs: names.map(
          (name) =>
            new SsmExecutor({
              name,
              instanceId: ID[name] ?? 'i-0f00000000000dead',
              client,
              pacer: new Pacer(),
              executionTimeoutSeconds: 60,
              deliveryTimeoutSeconds: 30,
              joint,
            }),
        ),
      };
    };
    const whoFails = sh('cat /var/tmp/whoami; [ "$(cat /var/tmp/whoami)" != h2 ] || exit 7');

    it('the same command from three hosts at once: one SendCommand to all three, each host its own result', async () => {
      const { execs } = hosts(500);
      const before = sends();
      const runs = await Promise.all(execs.map((e) => e.run(whoFails)));
      expect(runs.map((r) => [r.code, r.stdout])).toEqual([
        [0, 'h1'],
        [7, 'h2'],
        [0, 'h3'],
      ]);
      expect(sends() - before).toBe(1);
      const [inv] = [...endpoint.model.invocations.values()].slice(-1);
      expect(inv?.limits).toMatchObject({ concurrency: 3, maxErrors: 3 }); // none left out for h2's failure
      // In step since: the next command of all three goes out once more.
      const again = await Promise.all(execs.map((e) => e.run(sh('cat /var/tmp/whoami'))));
      expect(again.map((r) => r.stdout)).toEqual(['h1', 'h2', 'h3']);
      expect(sends() - before).toBe(2);
    }, 30_000);

    it('a joint command is polled once for all its hosts: ListCommandInvocations, no GetCommandInvocation', async () => {
      const { execs } = hosts(500);
      const [gets, lists, t0] = [calls('GetCommandInvocation'), calls('ListCommandInvocations'), Date.now()];
      const runs = await Promise.all(execs.map((e) => e.run(whoFails)));
      expect(runs.map((r) => [r.code, r.stdout, r.stderr])).toEqual([
        [0, 'h1', ''],
        [7, 'h2', ''],
        [0, 'h3', ''],
      ]);
      expect(calls('GetCommandInvocation') - gets).toBe(0);
      // One list per look, for the three hosts: looks at 0.2, 0.5, 0.95, 1.6 s, then every second.
      const looks = calls('ListCommandInvocations') - lists;
      expect(looks).toBeGreaterThanOrEqual(1);
      expect(looks).toBeLessThanOrEqual(4 + Math.ceil((Date.now() - t0) / 1000));
    }, 30_000);

    it('a joint command whose answer is longer than the listed 2,500 characters: each host its whole output, read with GetCommandInvocation', async () => {
      const { execs } = hosts(500);
      const gets = calls('GetCommandInvocation');
      const runs = await Promise.all(
        execs.map((e) => e.run(sh("head -c 5000 /dev/zero | tr '\\0' o; cat /var/tmp/whoami; echo bad >&2"))),
      );
      expect(runs.map((r) => [r.code, r.stdout, r.stderr])).toEqual(
        NAMES.map((n) => [0, `${'o'.repeat(5000)}${n}`, 'bad\n']),
      );
      expect(calls('GetCommandInvocation') - gets).toBe(3);
    }, 30_000);

    it('different commands go one SendCommand each; a peer busy with another command or idle for a while is not waited for', async () => {
      const { execs } = hosts(20_000, [...NAMES], 300);
      const before = sends();
      const t0 = Date.now();
      const runs = await Promise.all(execs.map((e, i) => e.run(sh(`echo ${i}`))));
      expect(runs.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n']);
      await sleep(500); // h3 idle for longer than followMs
      const [h1, h2] = execs as [SsmExecutor, SsmExecutor];
      const busy = h2.run(sh('sleep 2'));
      await h1.run(sh('echo ahead'));
      await busy;
      expect(sends() - before).toBe(5);
      expect(Date.now() - t0).toBeLessThan(20_000); // nothing waited out the window
    }, 60_000);

    it('a peer idle since a command that just ended is waited for (within the window): both go in one SendCommand', async () => {
      const { execs } = hosts(3000);
      const [h1, h2] = execs as [SsmExecutor, SsmExecutor];
      await Promise.all([h1.run(sh('true')), h2.run(sh('true'))]);
      const before = sends();
      const first = h1.run(sh('cat /var/tmp/whoami'));
      await sleep(300); // h2 comes later, within the window
      const second = h2.run(sh('cat /var/tmp/whoami'));
      expect([(await first).stdout, (await second).stdout]).toEqual(['h1', 'h2']);
      expect(sends() - before).toBe(1);
    }, 30_000);

    it('a host ahead by a poll waits for the peer still running their previous joint command: in step again', async () => {
      const { execs } = hosts(50);
      const [h1, h2] = execs as [SsmExecutor, SsmExecutor];
      // One joint command that takes longer on h2; each host goes on as soon as it has its answer.
      const slow = sh('[ "$(cat /var/tmp/whoami)" != h2 ] || sleep 0.8');
      const next = sh('cat /var/tmp/whoami');
      const before = sends();
      const lanes = await Promise.all(
        [h1, h2].map(async (e) => {
          await e.run(slow);
          return (await e.run(next)).stdout;
        }),
      );
      expect(lanes).toEqual(['h1', 'h2']);
      expect(sends() - before).toBe(2); // the slow one and the next one, each to both
    }, 30_000);

    it('an abort on one host cancels its invocation only (its process verified gone); the others finish', async () => {
      const { execs } = hosts(500);
      const tag = 4000 + Math.floor(Math.random() * 900);
      const ac = new AbortController();
      const runs = execs.map((e, i) =>
        e.run(sh(`sleep 2.${tag}; cat /var/tmp/whoami`), i === 1 ? { signal: ac.signal } : {}),
      );
      setTimeout(() => ac.abort(new Error('interrupted')), 1000);
      const [r1, r2, r3] = await Promise.allSettled(runs);
      expect(r2).toMatchObject({ status: 'rejected', reason: { message: 'interrupted' } });
      expect([r1, r3].map((r) => r?.status === 'fulfilled' && r.value.stdout)).toEqual(['h1', 'h3']);
      const left = execFileSync('sh', ['-c', `pgrep -f '[s]leep 2.${tag}' || true`], { encoding: 'utf8' });
      expect(left).toBe('');
    }, 60_000);

    it('a joint SendCommand the service refuses (an instance it does not manage) goes per host: only that host fails', async () => {
      const { execs } = hosts(500, ['h1', 'gone', 'h3']);
      const runs = await Promise.all(execs.map((e) => e.run(sh('cat /var/tmp/whoami'))));
      expect(runs.map((r) => [r.code, r.stdout, r.connectionLost ?? false])).toEqual([
        [0, 'h1', false],
        [255, '', true],
        [0, 'h3', false],
      ]);
      expect(runs[1]?.stderr).toMatch(/SendCommand to gone failed: .*i-0f00000000000dead/);
    }, 30_000);
  });
});
