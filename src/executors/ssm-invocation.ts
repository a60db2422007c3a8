// One host's invocations followed to their end (docs/transports.md, "Polling" and "Abort"): its own
// poll over every status with GetCommandInvocation (the SDK waiter polls every 5 s or slower and
// treats Cancelling as final), or its part of a joint command's shared poll (ssm-poll.ts); on abort
// CancelCommand, the final status waited for, and a sweep that verifies whatever the command
// started is gone; the further pages of a long stdout, each a command of this host's own.
import {
  CancelCommandCommand,
  type CommandInvocation,
  GetCommandInvocationCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Pacer } from './pacer.ts';
import {
  type CommandPoll,
  FINAL,
  FIRST_POLL_MS,
  type Invocation,
  listedInvocation,
  MAX_POLL_MS,
  WAITING,
} from './ssm-poll.ts';
import { ReadAttempts } from './ssm-reads.ts';
import { type Result, unsent } from './ssm-result.ts';
import { pageScript, parseSweep, sweepScript } from './ssm-script.ts';
import { sendCommand, sendLimits } from './ssm-send.ts';

/** One host on Run Command, and the settings its commands go out with. */
export type HostTarget = {
  name: string;
  instanceId: string;
  client: SSMClient;
  pacer: Pacer;
  /** executionTimeout when the caller gives no deadline (seconds). */
  executionTimeoutSeconds: number;
  /** How long a command may wait for an agent that is not connected (TimeoutSeconds, >= 30). */
  deliveryTimeoutSeconds: number;
  /** How long to wait after SendCommand for the invocation to show up (InvocationDoesNotExist). */
  visibilityTimeoutMs?: number;
};

const errName = (e: unknown) => (e as { name?: string }).name ?? '';

/** A pause that an abort ends early (the loop then cancels), never rejecting. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class HostInvocations {
  private readonly t: HostTarget;
  constructor(t: HostTarget) {
    this.t = t;
  }

  /** Polls until a final status; on abort cancels, waits for the end and sweeps the host. */
  async outcome(commandId: string, runId: string, signal?: AbortSignal): Promise<Invocation> {
    let cancelled = false;
    const visibleBy = Date.now() + (this.t.visibilityTimeoutMs ?? 30_000);
    let delay = FIRST_POLL_MS;
    const reads = new ReadAttempts(this.t.pacer);
    for (;;) {
      if (signal?.aborted && !cancelled) {
        cancelled = true;
        await this.cancel(commandId);
      }
      await pause(delay, cancelled ? undefined : signal);
      delay = Math.min(MAX_POLL_MS, delay * 1.5);
      await this.t.pacer.slot();
      try {
        const inv = await this.t.client.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: this.t.instanceId }),
        );
        reads.ok();
        const status = inv.Status ?? '';
        if (FINAL.has(status)) {
          if (cancelled) await this.sweep(runId);
          return inv;
        }
        if (!WAITING.has(status))
          throw new Error(`Run Command on ${this.t.name}: unknown status '${status}'`);
      } catch (e) {
        if (errName(e) !== 'InvocationDoesNotExist' || Date.now() > visibleBy) reads.again(e);
      }
    }
  }

  /**
   * A joint command on this host, from the poll its hosts share; on abort cancels, waits for the
   * end and sweeps the host. The listed output holds 2,500 characters: a longer answer is read
   * with GetCommandInvocation, as a command of one host's own.
   */
  async jointOutcome(
    poll: CommandPoll,
    commandId: string,
    runId: string,
    signal?: AbortSignal,
  ): Promise<Invocation> {
    const visibleBy = Date.now() + (this.t.visibilityTimeoutMs ?? 30_000);
    const listed = await poll.until(this.t.instanceId, visibleBy, signal);
    if (!listed) {
      await this.cancel(commandId);
      const end = listedInvocation((await poll.until(this.t.instanceId, visibleBy)) as CommandInvocation);
      await this.sweep(runId);
      return end;
    }
    const inv = listedInvocation(listed);
    if (inv.StatusDetails === 'DeliveryTimedOut' || inv.StandardOutputContent !== undefined) return inv;
    return this.invocation(commandId);
  }

  /** Page n of the run's stdout (one more command of this host's own), as bytes. */
  async page(runId: string, page: number, last: boolean): Promise<Buffer> {
    const id = await this.send(pageScript(runId, page, last));
    if (typeof id !== 'string') throw new Error(id.stderr.trim());
    const inv = await this.outcome(id, runId);
    if (inv.Status !== 'Success')
      throw new Error(`reading output page ${page} from ${this.t.name}: ${inv.Status}`);
    return Buffer.from((inv.StandardOutputContent ?? '').trim(), 'base64');
  }

  /** GetCommandInvocation once (again after throttling, a 5xx or a dropped connection). */
  private async invocation(commandId: string): Promise<Invocation> {
    const reads = new ReadAttempts(this.t.pacer);
    for (;;) {
      await this.t.pacer.slot();
      try {
        const inv = await this.t.client.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: this.t.instanceId }),
        );
        reads.ok();
        return inv;
      } catch (e) {
        reads.again(e);
      }
    }
  }

  private async cancel(commandId: string): Promise<void> {
    const reads = new ReadAttempts(this.t.pacer);
    for (let i = 0; i < 20; i++) {
      await this.t.pacer.slot();
      try {
        await this.t.client.send(
          new CancelCommandCommand({ CommandId: commandId, InstanceIds: [this.t.instanceId] }),
        );
        reads.ok();
        return;
      } catch (e) {
        reads.again(e);
      }
    }
  }

  /** After a cancel: kill what the command started that outlived its process group, verified. */
  private async sweep(runId: string): Promise<void> {
    const id = await this.send(sweepScript(runId));
    const inv = typeof id === 'string' ? await this.outcome(id, runId) : undefined;
    const left = inv ? parseSweep(inv.StandardOutputContent ?? '') : undefined;
    if (left !== 0)
      throw new Error(
        `a cancelled command on ${this.t.name} may still be running (${left ?? 'unknown'} processes left)`,
      );
  }

  /** One more command of this run on this host alone (an output page, the sweep): its command ID or the failure. */
  private async send(commands: string[]): Promise<string | Result> {
    const sent = await sendCommand(this.t, [this.t.instanceId], commands, sendLimits(this.t));
    return 'error' in sent ? unsent(this.t.name, sent.error) : sent.commandId;
  }
}
