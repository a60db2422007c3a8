// The Systems Manager transport's executor: runs commands through Run Command (AWS-RunShellScript),
// no SSH. It has `run` only (no stream, no stdin upload). A command goes out alone or joined with
// the same command of the hosts side by side (ssm-joint.ts, sent by ssm-send.ts: never twice); this
// host then follows its invocation to the end (ssm-invocation.ts: its own poll or the joint one,
// cancel and sweep on abort), and the answer becomes the result (ssm-result.ts: exit code from
// ResponseCode, output paged back from files on the host). Contract: docs/transports.md.
import { randomUUID } from 'node:crypto';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Cmd } from '../remote/shell.ts';
import { HostInvocations, type HostTarget } from './ssm-invocation.ts';
import type { Joined, JointSender } from './ssm-joint.ts';
import { toResult, unsent } from './ssm-result.ts';
import { runScript } from './ssm-script.ts';
import { type SendLimits, sendCommand, sendLimits } from './ssm-send.ts';
import type { CmdResult, Executor, RunOptions } from './types.ts';

export type SsmTarget = HostTarget & {
  /** Shared by the hosts side by side: the same command from several goes out as one SendCommand. */
  joint?: JointSender;
};

export function ssmClient(opts: { region?: string; endpoint?: string } = {}): SSMClient {
  // maxAttempts 1: the retry policy is ours (throttling only); the SDK must never resend SendCommand.
  return new SSMClient({ ...opts, maxAttempts: 1 });
}

export class SsmExecutor implements Executor {
  readonly name: string;
  private readonly t: SsmTarget;
  private readonly host: HostInvocations;
  constructor(t: SsmTarget) {
    this.name = t.name;
    this.t = t;
    this.host = new HostInvocations(t);
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
    const limits = sendLimits(this.t, opts.deadline);
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
      if ('error' in sent) return { ...unsent(this.name, sent.error), ms: performance.now() - t0 };
      // Sent to several: their hosts poll it together (one ListCommandInvocations per poll).
      const inv =
        joint && instances > 1
          ? await this.host.jointOutcome(joint.poll(sent.commandId), sent.commandId, runId, opts.signal)
          : await this.host.outcome(sent.commandId, runId, opts.signal);
      if (opts.signal?.aborted) throw opts.signal.reason;
      const result = await toResult(this.name, inv, (page, last) => this.host.page(runId, page, last));
      return { ...result, ms: performance.now() - t0 };
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
}
