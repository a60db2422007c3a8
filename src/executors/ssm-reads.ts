// Which failed Run Command reads are asked again (docs/transports.md, "Errors"). A read
// (GetCommandInvocation, ListCommandInvocations, CancelCommand) is safe to repeat: throttling, a
// server error (5xx) or a dropped connection is asked again after a pause, a few times in a row at
// most. SendCommand is not a read: sent again only on throttling, since a lost answer may hide a
// command that runs (src/executors/ssm-send.ts).
import { isRetryable, isThrottling } from '../aws/retry.ts';
import type { Pacer } from './pacer.ts';

/** Failures in a row, other than throttling, before a read gives up (~3 s with the pacer's gaps). */
export const READ_TRIES = 6;

/** One read's attempts: `ok()` after an answer, `again(e)` in the catch (rethrows when it's over). */
export class ReadAttempts {
  private failures = 0;
  private readonly pacer: Pacer;
  constructor(pacer: Pacer) {
    this.pacer = pacer;
  }

  ok(): void {
    this.failures = 0;
    this.pacer.ok();
  }

  again(error: unknown): void {
    if (isThrottling(error)) {
      this.pacer.throttled();
      return;
    }
    if (!isRetryable(error) || ++this.failures >= READ_TRIES) throw error;
    this.pacer.failed();
  }
}
