// How a command goes out through Run Command (docs/transports.md): the SendCommand input
// (AWS-RunShellScript, its executionTimeout and its delivery TimeoutSeconds from the step's
// deadline), sent again only on a ThrottlingException (which says it was not accepted: a command
// is never sent twice), and a joint command the service refuses as a whole sent per host.
import { SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Pacer } from './pacer.ts';

/** executionTimeout (the agent kills the command then) and TimeoutSeconds (delivery), in seconds. */
export type SendLimits = { execution: number; timeout: number };
/**
 * The command's ID, or why SendCommand failed: `refused` when the service answered with a client
 * error (4xx: nothing was sent to any instance); otherwise it is unknown whether it ran (never resent).
 */
export type Sent = { commandId: string } | { error: string; refused: boolean };
type To = { client: SSMClient; pacer: Pacer };

/** AWS-RunShellScript's executionTimeout range ends here (48 h). */
const MAX_EXECUTION_SECONDS = 172_800;
const errName = (e: unknown) => (e as { name?: string }).name ?? '';

/**
 * The step's deadline (epoch ms) bounds the command on the host (executionTimeout) and its delivery
 * (TimeoutSeconds, at least 30); without one, the transport's settings.
 */
export function sendLimits(
  t: { executionTimeoutSeconds: number; deliveryTimeoutSeconds: number },
  deadline?: number,
): SendLimits {
  const left = deadline === undefined ? undefined : Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
  return {
    execution: Math.min(left ?? t.executionTimeoutSeconds, MAX_EXECUTION_SECONDS),
    timeout: Math.max(30, Math.min(Math.ceil(t.deliveryTimeoutSeconds), left ?? Number.POSITIVE_INFINITY)),
  };
}

/** SendCommand, sent again only on a ThrottlingException (which says it was not accepted). */
export async function sendCommand(
  to: To,
  instanceIds: string[],
  commands: string[],
  limits: SendLimits,
  signal?: AbortSignal,
): Promise<Sent> {
  const n = String(instanceIds.length);
  for (;;) {
    await to.pacer.slot(signal);
    try {
      const out = await to.client.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: instanceIds,
          Parameters: { commands, executionTimeout: [String(limits.execution)] },
          TimeoutSeconds: limits.timeout,
          Comment: 'handoff',
          // Every target at once, and none left out because another failed: the engine already
          // decided that each of these hosts runs it, and each host's step judges its own result.
          ...(instanceIds.length > 1 ? { MaxConcurrency: n, MaxErrors: n } : {}),
        }),
      );
      to.pacer.ok();
      return { commandId: out.Command?.CommandId as string };
    } catch (e) {
      if (errName(e) !== 'ThrottlingException')
        return { error: (e as Error).message, refused: (e as { $fault?: string }).$fault === 'client' };
      to.pacer.throttled();
    }
  }
}

/** What one instance of a joint command got: the send, and how many instances it went to. */
export type Fanned = { sent: Sent; instances: number };

/**
 * One SendCommand for several instances, and each instance's part of it (in their order), with the
 * SendCommand requests made. Refused as a whole (an instance that is not managed, IAM that denies
 * one of them), nothing ran: so each instance's command goes alone, and only the one the service
 * refuses fails. Any other failure is every instance's (whether it was accepted is unknown).
 */
export async function sendJoint(
  to: To,
  instanceIds: string[],
  commands: string[],
  limits: SendLimits,
): Promise<{ sends: number; each: Fanned[] }> {
  const sent = await sendCommand(to, instanceIds, commands, limits);
  if (!('error' in sent && sent.refused && instanceIds.length > 1))
    return { sends: 1, each: instanceIds.map(() => ({ sent, instances: instanceIds.length })) };
  const each = await Promise.all(
    instanceIds.map(async (id) => ({ sent: await sendCommand(to, [id], commands, limits), instances: 1 })),
  );
  return { sends: 1 + instanceIds.length, each };
}
