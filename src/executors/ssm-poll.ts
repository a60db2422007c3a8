// One poll for every host of a joint command (docs/transports.md, "Batches"): the hosts that share
// a SendCommand wait on one CommandPoll (CommandPolls keeps one per command), which lists all the
// command's invocations at once (ListCommandInvocations with Details: each one's status, exit code
// and the first 2,500 characters of its output, paged by NextToken) and hands each host its own
// once it is final, where a GetCommandInvocation per host per poll was most of a deploy's API
// requests.
import {
  type CommandInvocation,
  type GetCommandInvocationCommandOutput,
  ListCommandInvocationsCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Pacer } from './pacer.ts';
import { ReadAttempts } from './ssm-reads.ts';
import { fromPluginOutput } from './ssm-script.ts';

/** What the executor reads of an invocation (GetCommandInvocation's answer, or one made from a listed one). */
export type Invocation = Pick<
  GetCommandInvocationCommandOutput,
  'Status' | 'StatusDetails' | 'ResponseCode' | 'StandardOutputContent' | 'StandardErrorContent'
>;

export const WAITING = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);
export const FINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut']);
/** The executor's poll: 0.2 s after sending, then 1.5x up to 1 s (a step's commands mostly take 1-3 s). */
export const FIRST_POLL_MS = 200;
export const MAX_POLL_MS = 1000;
/** The most a page may hold (the service's CommandMaxResults): a joint command has at most 50 instances. */
const PAGE = 50;

type Waiter = {
  resolve: (inv: CommandInvocation | undefined) => void;
  reject: (e: unknown) => void;
  /** Not listed by then: the invocation does not exist (as GetCommandInvocation's InvocationDoesNotExist). */
  visibleBy: number;
};

export class CommandPoll {
  private readonly waiting = new Map<string, Waiter>();
  private running = false;
  private readonly o: { client: SSMClient; pacer: Pacer; commandId: string; idle: () => void };
  constructor(o: { client: SSMClient; pacer: Pacer; commandId: string; idle: () => void }) {
    this.o = o;
  }

  /**
   * The instance's invocation once final (its plugin's Output is the first 2,500 characters only).
   * With the signal aborted first: undefined at once, and the instance no longer waits (the caller
   * cancels it, then waits again without a signal).
   */
  until(instanceId: string, visibleBy: number, signal?: AbortSignal): Promise<CommandInvocation | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(instanceId);
        resolve(undefined);
      };
      const off = () => signal?.removeEventListener('abort', onAbort);
      this.waiting.set(instanceId, {
        resolve: (inv) => {
          off();
          resolve(inv);
        },
        reject: (e) => {
          off();
          reject(e);
        },
        visibleBy,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      if (!this.running) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    let delay = FIRST_POLL_MS;
    try {
      while (this.waiting.size > 0) {
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(MAX_POLL_MS, delay * 1.5);
        if (this.waiting.size > 0) await this.round();
      }
    } finally {
      this.running = false;
      this.o.idle();
    }
  }

  /** One look at every invocation: the final ones go to their hosts. */
  private async round(): Promise<void> {
    let listed: CommandInvocation[];
    try {
      listed = await this.list();
    } catch (e) {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
      return;
    }
    const seen = new Set<string>();
    for (const inv of listed) {
      const id = inv.InstanceId ?? '';
      seen.add(id);
      const w = this.waiting.get(id);
      const status = inv.Status ?? '';
      if (!w || WAITING.has(status)) continue;
      this.waiting.delete(id);
      if (FINAL.has(status)) w.resolve(inv);
      else w.reject(new Error(`Run Command on ${id}: unknown status '${status}'`));
    }
    const now = Date.now();
    for (const [id, w] of this.waiting)
      if (!seen.has(id) && now > w.visibleBy) {
        this.waiting.delete(id);
        w.reject(
          Object.assign(new Error(`Run Command lists no invocation of ${this.o.commandId} on ${id}`), {
            name: 'InvocationDoesNotExist',
          }),
        );
      }
  }

  /** Every page; a page that failed (throttled, 5xx, dropped) is asked again once the pacer allows. */
  private async list(): Promise<CommandInvocation[]> {
    const all: CommandInvocation[] = [];
    let token: string | undefined;
    const reads = new ReadAttempts(this.o.pacer);
    for (;;) {
      await this.o.pacer.slot();
      try {
        const out = await this.o.client.send(
          new ListCommandInvocationsCommand({
            CommandId: this.o.commandId,
            Details: true,
            MaxResults: PAGE,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        reads.ok();
        all.push(...(out.CommandInvocations ?? []));
        token = out.NextToken || undefined;
        if (!token) return all;
      } catch (e) {
        reads.again(e);
      }
    }
  }
}

/** The polls of joint commands that hosts wait on, by command ID: one while any host waits on it. */
export class CommandPolls {
  private readonly polls = new Map<string, CommandPoll>();
  private readonly o: { client: SSMClient; pacer: Pacer };
  constructor(o: { client: SSMClient; pacer: Pacer }) {
    this.o = o;
  }

  of(commandId: string): CommandPoll {
    const known = this.polls.get(commandId);
    if (known) return known;
    const p = new CommandPoll({
      client: this.o.client,
      pacer: this.o.pacer,
      commandId,
      // A host that looks again later (after its cancel) gets this poll's loop going again.
      idle: () => this.polls.get(commandId) === p && this.polls.delete(commandId),
    });
    this.polls.set(commandId, p);
    return p;
  }
}

/** A listed invocation as GetCommandInvocation's answer: its output only when the whole answer is there. */
export function listedInvocation(listed: CommandInvocation): Invocation {
  const plugin = listed.CommandPlugins?.[0];
  const whole = fromPluginOutput(plugin?.Output ?? '');
  return {
    Status: listed.Status,
    StatusDetails: listed.StatusDetails,
    ResponseCode: plugin?.ResponseCode ?? -1,
    ...(whole ? { StandardOutputContent: whole.stdout, StandardErrorContent: whole.stderr } : {}),
  };
}
