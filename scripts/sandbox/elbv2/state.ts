// The target state machine of the ELBv2 endpoint: pure (no I/O), clock passed in as milliseconds.
//
//   registered --DeregisterTargets--> draining --(deregistration delay)--> unused --RegisterTargets--> registered
//
// Each transition names the HAProxy change it needs; the caller applies it, then keeps the new record.
// What DescribeTargetHealth reports is computed from the record and HAProxy's view of the server.

export type Phase = 'registered' | 'draining' | 'unused';

export type TargetRecord = {
  id: string;
  /** HAProxy server name. */
  server: string;
  /** The port the HAProxy server points at: the only port this target can be registered on. */
  port: number;
  phase: Phase;
  /** When the current phase began (clock ms). */
  since: number;
  /** Registered through RegisterTargets and not yet seen UP: reported as `initial` while HAProxy checks it. */
  fresh: boolean;
};

/** `drain`: no new traffic, existing connections go on. `maint`: out of rotation, sessions closed.
 *  `ready-through-checks`: back in rotation only after HAProxy's `rise` passing checks. */
export type RuntimeCommand = 'drain' | 'maint' | 'ready-through-checks';

export type Transition = { record: TargetRecord; command?: RuntimeCommand };

/** What HAProxy says about the server (see haproxy-runtime.ts). */
export type ServerView = {
  op: 'UP' | 'DOWN' | 'MAINT' | 'DRAIN' | 'NOLB' | 'UNKNOWN';
  checkStatus: string;
  checkCode?: number;
  /** 0 … rise-1 while DOWN: > 0 means passing checks are under way. */
  checkHealth?: number;
  /** ALB model: no node has applied the latest registration change yet (elbv2/alb-runtime.ts). */
  pending?: boolean;
  /** ALB model: when the first node began checking a fresh registration (clock ms). */
  risingSince?: number;
};

export type HealthCheckTiming = {
  intervalSeconds: number;
  timeoutSeconds: number;
  unhealthyThreshold: number;
};

export type TargetHealth = { State: string; Reason?: string; Description?: string };

export function register(record: TargetRecord, now: number): Transition {
  if (record.phase === 'registered') return { record }; // already registered: a no-op, as on AWS
  return {
    record: { ...record, phase: 'registered', since: now, fresh: true },
    command: 'ready-through-checks',
  };
}

export function deregister(record: TargetRecord, now: number): Transition {
  if (record.phase !== 'registered') return { record }; // "If the specified target does not exist, the action returns successfully."
  return { record: { ...record, phase: 'draining', since: now, fresh: false }, command: 'drain' };
}

/** A draining target becomes unused once the deregistration delay has passed, idle or not (as an ALB reports it). */
export function expire(record: TargetRecord, now: number, delayMs: number): Transition {
  if (record.phase !== 'draining' || now - record.since < delayMs) return { record };
  return { record: { ...record, phase: 'unused', since: record.since + delayMs }, command: 'maint' };
}

/** A fresh registration stops being `initial` once HAProxy has put the server UP. */
export function observe(record: TargetRecord, view: ServerView | undefined): TargetRecord {
  return record.fresh && record.phase === 'registered' && isUp(view) ? { ...record, fresh: false } : record;
}

/** State at startup from HAProxy's admin state (so a restarted endpoint agrees with HAProxy). */
export function fromAdminState(
  target: { id: string; server: string; port: number },
  admin: 'ready' | 'drain' | 'maint',
  now: number,
): TargetRecord {
  const phase: Phase = admin === 'maint' ? 'unused' : admin === 'drain' ? 'draining' : 'registered';
  return { ...target, phase, since: now, fresh: false };
}

function isUp(view: ServerView | undefined): boolean {
  return view?.op === 'UP' || view?.op === 'NOLB' || view?.op === 'DRAIN';
}

export const NOT_REGISTERED: TargetHealth = {
  State: 'unused',
  Reason: 'Target.NotRegistered',
  Description: 'Target is not registered to the target group',
};

export const DRAINING: TargetHealth = {
  State: 'draining',
  Reason: 'Target.DeregistrationInProgress',
  Description: 'Target deregistration is in progress',
};

/** Why a failing check failed, in the ALB's reason codes. */
export function unhealthyReason(view: ServerView): TargetHealth {
  if (view.checkStatus === 'L7STS' && view.checkCode !== undefined) {
    return {
      State: 'unhealthy',
      Reason: 'Target.ResponseCodeMismatch',
      Description: `Health checks failed with these codes: [${view.checkCode}]`,
    };
  }
  if (/TOUT$/.test(view.checkStatus)) {
    return { State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' };
  }
  return { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' };
}

export function targetHealth(
  record: TargetRecord,
  view: ServerView | undefined,
  now: number,
  timing: HealthCheckTiming,
): TargetHealth {
  if (record.phase === 'unused') return NOT_REGISTERED;
  if (record.phase === 'draining') return DRAINING;
  if (record.fresh && view?.pending)
    return {
      State: 'initial',
      Reason: 'Elb.RegistrationInProgress',
      Description: 'Target registration is in progress',
    };
  if (!view || view.op === 'UNKNOWN' || view.op === 'MAINT') {
    const why = view ? `is in ${view.op}` : 'is missing';
    return {
      State: 'unavailable',
      Reason: 'Elb.InternalError',
      Description: `HAProxy server ${record.server} ${why} while the target is registered`,
    };
  }
  if (isUp(view)) return { State: 'healthy' };
  if (record.fresh) {
    // HAProxy needs `rise` passing checks; an ALB reports `initial` meanwhile. A target that keeps failing
    // turns `unhealthy` once it had the chance to fail `unhealthyThreshold` checks.
    const elapsed = now - (view.risingSince ?? record.since);
    const intervalMs = timing.intervalSeconds * 1000;
    const failWindowMs = timing.unhealthyThreshold * intervalMs + timing.timeoutSeconds * 1000;
    if ((view.checkHealth ?? 0) === 0 && elapsed < intervalMs) {
      return {
        State: 'initial',
        Reason: 'Elb.RegistrationInProgress',
        Description: 'Target registration is in progress',
      };
    }
    if ((view.checkHealth ?? 0) > 0 || elapsed < failWindowMs) {
      return {
        State: 'initial',
        Reason: 'Elb.InitialHealthChecking',
        Description: 'Initial health checks in progress',
      };
    }
  }
  return unhealthyReason(view);
}
