// Pure drain-time math (the README's "The drain-time math"; the plan's fields: docs/contracts.md,
// section 5). No I/O, no clock: every input is an argument, and every result carries its terms so
// the plan can print the formula with the numbers filled in.

export type Schedule = 'fixed-rate' | 'fixed-delay';

export type HealthCheck = {
  intervalSeconds: number;
  timeoutSeconds: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
};

export type Window = { earliest: number; latest: number };

export type UnhealthyWindow = Window & {
  model: Schedule;
  /** d = min(r, T): when a failing check is recorded. */
  d: number;
  formula: { earliest: string; latest: string };
};

export type ReadmitWindow = Window & {
  kind: 'health-flip' | 'new-registration';
  dOk: number;
  formula: { earliest: string; latest: string };
};

/** Rejects settings AWS would reject, so the math is never run on impossible input. */
export function checkHealthCheck(hc: HealthCheck): void {
  const { intervalSeconds: I, timeoutSeconds: T, unhealthyThreshold: N, healthyThreshold: H } = hc;
  for (const [name, v] of Object.entries({ intervalSeconds: I, timeoutSeconds: T }))
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
  if (T >= I)
    throw new RangeError(`timeoutSeconds (${T}) must be below intervalSeconds (${I}), as AWS requires`);
  for (const [name, v] of Object.entries({ unhealthyThreshold: N, healthyThreshold: H }))
    if (!Number.isInteger(v) || v < 2 || v > 10)
      throw new RangeError(`${name} must be an integer from 2 to 10, got ${v}`);
}

function checkSeconds(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a non-negative number, got ${v}`);
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * Time from "the endpoint starts failing" until a checker marks the target unhealthy.
 * fixed-rate (AWS documents it): checks every I whatever the response time; a checker's phase s is
 * anywhere in [0, I), so the N-th failure is recorded in [(N-1)I + d, NI + d).
 * fixed-delay: the next check starts I after the previous one ended (period I + d).
 */
export function unhealthyWindow(
  hc: HealthCheck,
  opts: { responseSeconds: number; okResponseSeconds?: number; model?: Schedule },
): UnhealthyWindow {
  checkHealthCheck(hc);
  checkSeconds('responseSeconds', opts.responseSeconds);
  const { intervalSeconds: I, timeoutSeconds: T, unhealthyThreshold: N } = hc;
  const d = Math.min(opts.responseSeconds, T);
  const model = opts.model ?? 'fixed-rate';
  if (model === 'fixed-rate')
    return {
      model,
      d,
      earliest: round((N - 1) * I + d),
      latest: round(N * I + d),
      formula: { earliest: '(N-1)·I + d', latest: 'N·I + d' },
    };
  const dOk = Math.min(opts.okResponseSeconds ?? d, T);
  checkSeconds('okResponseSeconds', dOk);
  return {
    model,
    d,
    earliest: round((N - 1) * I + N * d),
    latest: round(N * I + dOk + N * d),
    formula: { earliest: '(N-1)·I + N·d', latest: 'N·I + d_ok + N·d' },
  };
}

/**
 * Time until traffic returns. A target failed by the health flip needs H passing checks.
 * A newly registered target starts in `initial`: AWS says one passing check, practitioners see H,
 * and registration itself has no documented bound, so the engine confirms through DescribeTargetHealth.
 */
export function readmitWindow(
  hc: HealthCheck,
  opts: { okResponseSeconds: number; kind: 'health-flip' | 'new-registration' },
): ReadmitWindow {
  checkHealthCheck(hc);
  checkSeconds('okResponseSeconds', opts.okResponseSeconds);
  const { intervalSeconds: I, timeoutSeconds: T, healthyThreshold: H } = hc;
  const dOk = Math.min(opts.okResponseSeconds, T);
  if (opts.kind === 'health-flip')
    return {
      kind: opts.kind,
      dOk,
      earliest: round((H - 1) * I + dOk),
      latest: round(H * I + dOk),
      formula: { earliest: '(H-1)·I + d_ok', latest: 'H·I + d_ok' },
    };
  return {
    kind: opts.kind,
    dOk,
    earliest: round(dOk),
    latest: round(H * I + dOk),
    formula: { earliest: 'd_ok (one check)', latest: 'H·I + d_ok (H checks)' },
  };
}

/**
 * Deregistration: routing stops at once; draining really ends when nothing is in flight, which
 * only the host can tell. The API says `draining` for the whole delay D either way.
 */
export function deregistrationWindow(opts: { delaySeconds: number; maxRequestSeconds: number }): Window {
  checkSeconds('delaySeconds', opts.delaySeconds);
  checkSeconds('maxRequestSeconds', opts.maxRequestSeconds);
  return { earliest: 0, latest: round(Math.min(opts.delaySeconds, opts.maxRequestSeconds)) };
}

/** The wait before stopping the old JVM: the latest bound plus a safety margin. */
export function recommendedWait(window: Window, marginSeconds: number): number {
  checkSeconds('marginSeconds', marginSeconds);
  return round(window.latest + marginSeconds);
}
