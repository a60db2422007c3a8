// Adaptive pacing of the calls one client makes (all hosts share it): a gap between calls that
// doubles on every ThrottlingException and shrinks by a tenth on every success, down to its base.
// The service's per-account rates are not published per action, so the client learns them.
import { setTimeout as sleep } from 'node:timers/promises';

export class Pacer {
  private gapMs: number;
  private nextAt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  throttles = 0;
  constructor(baseMs = 50, maxMs = 5000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.gapMs = baseMs;
  }

  /** Waits for this caller's turn. */
  async slot(signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.gapMs;
    if (at > now) await sleep(at - now, undefined, signal ? { signal } : {});
  }

  throttled(): void {
    this.throttles++;
    this.gapMs = Math.min(this.maxMs, this.gapMs * 2);
    this.nextAt = Math.max(this.nextAt, Date.now() + this.gapMs);
  }

  /** A dropped connection or a server error: back off as for throttling, not counted as one. */
  failed(): void {
    this.gapMs = Math.min(this.maxMs, this.gapMs * 2);
    this.nextAt = Math.max(this.nextAt, Date.now() + this.gapMs);
  }

  ok(): void {
    this.gapMs = Math.max(this.baseMs, this.gapMs * 0.9);
  }

  get currentGapMs(): number {
    return this.gapMs;
  }
}
