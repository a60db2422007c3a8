// One bounded retry for every AWS call. The SDK's own retry is switched off (maxAttempts: 1) so
// this is the only layer: its limits are ours, a test can count attempts, and it never retries an
// error a person must fix (AccessDenied, ValidationError, TargetGroupNotFound, ...).
import pRetry from 'p-retry';

export type RetryOptions = {
  /** Retries after the first attempt. */
  retries?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  signal?: AbortSignal;
};

// ~0.5 + 1 + 2 + 4 + 8 s (each up to doubled by jitter): rides out a burst of rate limiting
// without stalling a deploy for minutes.
export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'signal'>> = {
  retries: 5,
  minTimeoutMs: 500,
  maxTimeoutMs: 8000,
};

// Wire codes as the SDK names them: ELBv2 says `Throttling` (HTTP 400, an unmodeled code),
// `PriorRequestNotCompleteException` (429); EC2 says `RequestLimitExceeded` (503).
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'PriorRequestNotComplete',
  'PriorRequestNotCompleteException',
  'SlowDown',
]);
// A dropped connection says nothing about the request: every call here is safe to repeat
// (Describe*, and Register/Deregister are idempotent).
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

type SdkLike = {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
};

export function isThrottling(error: unknown): boolean {
  const e = error as SdkLike;
  return (
    (e?.name !== undefined && THROTTLING.has(e.name)) ||
    e?.$metadata?.httpStatusCode === 429 ||
    e?.$retryable?.throttling === true
  );
}

/** Throttling, a server-side failure (5xx) or a dropped connection: worth another try. */
export function isRetryable(error: unknown): boolean {
  const e = error as SdkLike;
  if (isThrottling(error)) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  return (e?.code !== undefined && TRANSIENT_NETWORK.has(e.code)) || e?.name === 'TimeoutError';
}

export class RetriesExhausted extends Error {
  readonly attempts: number;
  constructor(cause: unknown, attempts: number) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'RetriesExhausted';
    this.attempts = attempts;
  }
}

/**
 * Runs `fn`, retrying retryable errors with exponential backoff and jitter. A retryable error that
 * outlasts the retries comes back wrapped in RetriesExhausted (so the message can say "after N
 * attempts"); any other error is rethrown untouched on the first failure.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...opts };
  let attempts = 0;
  try {
    return await pRetry(
      async () => {
        attempts++;
        return fn();
      },
      {
        retries: o.retries,
        minTimeout: o.minTimeoutMs,
        maxTimeout: o.maxTimeoutMs,
        factor: 2,
        randomize: true,
        shouldRetry: ({ error }) => isRetryable(error),
        ...(o.signal ? { signal: o.signal } : {}),
      },
    );
  } catch (error) {
    if (o.signal?.aborted) throw error;
    throw isRetryable(error) && attempts > 1 ? new RetriesExhausted(error, attempts) : error;
  }
}
