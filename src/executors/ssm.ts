// The Systems Manager transport: runs commands through Run Command (AWS-RunShellScript), no SSH.
// The only file that imports @aws-sdk/client-ssm. It has `run` only (no stream, no stdin upload).
// Every status is handled explicitly with its own poll (the SDK waiter polls every 5 s or slower
// and treats Cancelling as final); the exit code is ResponseCode; a command is never sent twice
// (only a ThrottlingException, which says it was not accepted, is retried); on abort the command is
// cancelled and whatever it started is verified gone. A joint command's hosts share one poll
// (ssm-poll.ts). Contract: docs/transports.md.
import { randomUUID } from 'node:crypto';
import {
  CancelCommandCommand,
  type CommandInvocation,
  GetCommandInvocationCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { Cmd } from '../remote/shell.ts';
import type { Pacer } from './pacer.ts';
import { type Joined, type JointSender, type SendLimits, sendCommand } from './ssm-joint.ts';
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
import { pageCount, pageScript, parseRun, parseSweep, runScript, sweepScript } from './ssm-script.ts';
import type { CmdResult, Executor, RunOptions } from './types.ts';

export type SsmTarget = {
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
  /** Shared by the hosts side by side: the same command from several goes out as one SendCommand. */
  joint?: JointSender;
};

export function ssmClient(opts: { region?: string; endpoint?: string } = {}): SSMClient {
  // maxAttempts 1: the retry policy is ours (throttling only); the SDK must never resend SendCommand.
  return new SSMClient({ ...opts, maxAttempts: 1 });
}

const errName = (e: unknown) => (e as { name?: string }).name ?? '';
/** AWS-RunShellScript's executionTimeout range ends here (48 h). */
const MAX_EXECUTION_SECONDS = 172_800;

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

export class SsmExecutor implements Executor {
  readonly name: string;
  private readonly t: SsmTarget;
  constructor(t: SsmTarget) {
    this.name = t.name;
    this.t = t;
    t.joint?.join(t.instanceId);
  }

  async run(cmd: Cmd, opts: RunOptions = {}): Promise<CmdResult> {
    opts.signal?.throwIfAborted();
    // An expiring credential (a presigned URL) may: it is useless by the time anyone reads the history.
    if (cmd.input && !cmd.input.public && !cmd.input.expiring && cmd.input.data !== cmd.input.shown)
      throw new Error(
        `${cmd.kind} on ${this.name} carries secrets; the ssm transport does not send them (Run Command keeps a command's text in its history): see docs/transports.md`,
      );
    const t0 = performance.now();
    // The memory sampler's reads run beside the steps on their own clock (and read at per-host
    // offsets): they go alone and are not part of the host's path through its steps.
    const joint = cmd.kind.startsWith('sampler.') ? undefined : this.t.joint;
    const { instanceId } = this.t;
    const limits = this.limits(opts.deadline);
    const key = JSON.stringify([runScript(cmd, ''), limits]);
    try {
      const { runId, sent, instances } = joint
        ? await joint.submit({
            instanceId,
            key,
            build: (id) => runScript(cmd, id),
            limits,
            ...(opts.signal ? { signal: opts.signal } : {}),
          })
        : await this.alone(cmd, limits, opts.signal);
      if ('error' in sent) return { ...this.unsent(sent.error), ms: performance.now() - t0 };
      // Sent to several: their hosts poll it together (one ListCommandInvocations per poll).
      const inv =
        joint && instances > 1
          ? await this.jointOutcome(joint.poll(sent.commandId), sent.commandId, runId, opts.signal)
          : await this.outcome(sent.commandId, runId, opts.signal);
      if (opts.signal?.aborted) throw opts.signal.reason;
      return { ...(await this.result(inv, runId)), ms: performance.now() - t0 };
    } finally {
      joint?.done(instanceId, key);
    }
  }

  async close(): Promise<void> {
    this.t.joint?.leave(this.t.instanceId);
  }

  private async alone(cmd: Cmd, limits: SendLimits, signal?: AbortSignal): Promise<Joined> {
    const runId = randomUUID();
    return {
      runId,
      sent: await sendCommand(this.t, [this.t.instanceId], runScript(cmd, runId), limits, signal),
      instances: 1,
    };
  }

  /** The step's deadline bounds the command on the host (executionTimeout) and its delivery (TimeoutSeconds, at least 30). */
  private limits(deadline?: number): SendLimits {
    const left = deadline === undefined ? undefined : Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    return {
      execution: Math.min(left ?? this.t.executionTimeoutSeconds, MAX_EXECUTION_SECONDS),
      timeout: Math.max(
        30,
        Math.min(Math.ceil(this.t.deliveryTimeoutSeconds), left ?? Number.POSITIVE_INFINITY),
      ),
    };
  }

  /** Whether it was accepted is unknown (a network error) or it was refused: never resent. */
  private unsent(error: string): Omit<CmdResult, 'ms'> {
    return {
      code: 255,
      stdout: '',
      stderr: `SendCommand to ${this.name} failed: ${error}\n`,
      connectionLost: true,
    };
  }

  /** One more command of this run on this host alone (an output page, the sweep): its command ID or the failure. */
  private async send(commands: string[]): Promise<string | Omit<CmdResult, 'ms'>> {
    const sent = await sendCommand(this.t, [this.t.instanceId], commands, this.limits());
    return 'error' in sent ? this.unsent(sent.error) : sent.commandId;
  }

  /** Polls until a final status; on abort cancels, waits for the end and sweeps the host. */
  private async outcome(commandId: string, runId: string, signal?: AbortSignal): Promise<Invocation> {
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
        if (!WAITING.has(status)) throw new Error(`Run Command on ${this.name}: unknown status '${status}'`);
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
  private async jointOutcome(
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
        `a cancelled command on ${this.name} may still be running (${left ?? 'unknown'} processes left)`,
      );
  }

  private async result(inv: Invocation, runId: string): Promise<Omit<CmdResult, 'ms'>> {
    const status = inv.Status ?? '';
    const details = inv.StatusDetails ?? status;
    const code = inv.ResponseCode ?? -1;
    if (status === 'TimedOut' && details === 'DeliveryTimedOut')
      return {
        code: 255,
        stdout: '',
        stderr: `Run Command could not reach ${this.name}'s agent (DeliveryTimedOut): the command never ran\n`,
        connectionLost: true,
      };
    const trailer = parseRun(inv.StandardOutputContent ?? '', inv.StandardErrorContent ?? '');
    if (!trailer)
      return {
        code: code >= 0 ? code : 255,
        stdout: '',
        stderr: `Run Command on ${this.name} ended ${status} (${details}) without the command's output\n${inv.StandardErrorContent ?? ''}`,
      };
    let out = trailer.firstPage;
    const pages = pageCount(trailer.outBytes);
    for (let p = 1; p < pages; p++) out = Buffer.concat([out, await this.page(runId, p, p === pages - 1)]);
    const cut =
      trailer.errBytes > trailer.errTail.length
        ? `[first ${trailer.errBytes - trailer.errTail.length} bytes of stderr not shown]\n`
        : '';
    return { code, stdout: out.toString('utf8'), stderr: cut + trailer.errTail.toString('utf8') };
  }

  private async page(runId: string, page: number, last: boolean): Promise<Buffer> {
    const id = await this.send(pageScript(runId, page, last));
    if (typeof id !== 'string') throw new Error(id.stderr.trim());
    const inv = await this.outcome(id, runId);
    if (inv.Status !== 'Success')
      throw new Error(`reading output page ${page} from ${this.name}: ${inv.Status}`);
    return Buffer.from((inv.StandardOutputContent ?? '').trim(), 'base64');
  }
}
