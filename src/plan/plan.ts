// Pure planner: config + gathered facts -> the versioned plan (docs/contracts.md, section 5).
// Facts are gathered elsewhere (config, or AWS); this file never does I/O.
import type { DeployConfig } from '../config/schema.ts';
import {
  deregistrationWindow,
  type HealthCheck,
  type ReadmitWindow,
  readmitWindow,
  recommendedWait,
  type UnhealthyWindow,
  unhealthyWindow,
  type Window,
} from './drain.ts';
import { buildTimeline, type TimelineEntry } from './timeline.ts';

export const PLAN_VERSION = 1;
export type Source = 'config' | 'aws' | 'default';

export type Facts = {
  hosts: string[];
  healthCheck: HealthCheck & { source: Source };
  deregistrationDelay: { seconds: number; source: Source };
  /** The target group the 'aws' numbers were read from. */
  targetGroup?: { name: string; arn: string };
};

export type Plan = {
  version: typeof PLAN_VERSION;
  app: string;
  strategy: DeployConfig['strategy'];
  hosts: string[];
  healthCheck: HealthCheck & { source: Source };
  /** Present when numbers were read from AWS: where they came from. */
  targetGroup?: { name: string; arn: string };
  /** Present when AWS could not be asked and `plan` used the config's numbers for this target group. */
  awsFallback?: { targetGroup: string; reason: string };
  drain: {
    mode: 'termination' | 'deregister';
    model: UnhealthyWindow['model'] | 'deregistration';
    unhealthyAfterSeconds: Window;
    waitSeconds: number;
    marginSeconds: number;
    /** The drain ends after this long with no request from the load balancer on the host. */
    quietSeconds: number;
    /** The drain's hard end: termination, the cap past the bound; deregister, the deregistration delay. */
    capSeconds: number;
    readmitAfterSeconds: number;
    readmitWindowSeconds: Window;
    deregistrationDelaySeconds: { value: number; source: Source };
    terms: {
      I: number;
      T: number;
      N: number;
      H: number;
      r?: number;
      d?: number;
      dOk: number;
      D?: number;
      Q: number;
    };
    formula: { earliest: string; latest: string; readmitEarliest: string; readmitLatest: string };
    comparison?: {
      sleepSeconds: number;
      savedPerHostSeconds: number;
      savedTotalSeconds: number;
      safe: boolean;
    };
  };
  timeline: TimelineEntry[];
  totalSeconds: number;
  warnings: string[];
};

// A passing check's response time; the sandbox's app and Spring Boot answer well under this.
const OK_RESPONSE_SECONDS = 0.1;

export function buildPlan(config: DeployConfig, facts: Facts): Plan {
  const hc = facts.healthCheck;
  const drain = config.drain;
  const D = facts.deregistrationDelay.seconds;
  let unhealthy: Window;
  let model: Plan['drain']['model'];
  let formula: { earliest: string; latest: string };
  let d: number | undefined;
  let readmit: ReadmitWindow;
  if (drain.mode === 'termination') {
    const w = unhealthyWindow(hc, { responseSeconds: drain.responseSeconds, model: drain.model });
    ({ model, formula, d } = w);
    unhealthy = { earliest: w.earliest, latest: w.latest };
    readmit = readmitWindow(hc, { okResponseSeconds: OK_RESPONSE_SECONDS, kind: 'health-flip' });
  } else {
    unhealthy = deregistrationWindow({ delaySeconds: D, maxRequestSeconds: drain.maxRequestSeconds });
    model = 'deregistration';
    formula = { earliest: '0 (routing stops at deregistration)', latest: 'min(D, longest request)' };
    readmit = readmitWindow(hc, { okResponseSeconds: OK_RESPONSE_SECONDS, kind: 'new-registration' });
  }
  const waitSeconds = recommendedWait(unhealthy, drain.marginSeconds);
  const timeline = buildTimeline({
    hosts: facts.hosts,
    strategy: config.strategy,
    buildWhere: config.app.build.where,
    mode: drain.mode,
    waitSeconds,
    settleSeconds: readmit.latest,
    graceSeconds: config.app.stop.graceSeconds,
    buildSeconds: config.app.build.estimateSeconds,
    bootSeconds: config.app.start.bootSeconds,
  });
  const last = timeline.at(-1);
  const plan: Plan = {
    version: PLAN_VERSION,
    app: config.app.name,
    strategy: config.strategy,
    hosts: facts.hosts,
    healthCheck: hc,
    ...(facts.targetGroup ? { targetGroup: facts.targetGroup } : {}),
    drain: {
      mode: drain.mode,
      model,
      unhealthyAfterSeconds: unhealthy,
      waitSeconds,
      marginSeconds: drain.marginSeconds,
      quietSeconds: drain.quietSeconds,
      capSeconds:
        drain.mode === 'termination'
          ? round(drain.maxWaitSeconds ?? 2 * waitSeconds)
          : Math.max(D, waitSeconds),
      readmitAfterSeconds: readmit.latest,
      readmitWindowSeconds: { earliest: readmit.earliest, latest: readmit.latest },
      deregistrationDelaySeconds: { value: D, source: facts.deregistrationDelay.source },
      terms: {
        I: hc.intervalSeconds,
        T: hc.timeoutSeconds,
        N: hc.unhealthyThreshold,
        H: hc.healthyThreshold,
        ...(drain.mode === 'termination' ? { r: drain.responseSeconds, d } : { D }),
        dOk: readmit.dOk,
        Q: drain.quietSeconds,
      },
      formula: {
        ...formula,
        readmitEarliest: readmit.formula.earliest,
        readmitLatest: readmit.formula.latest,
      },
    },
    timeline,
    totalSeconds: last ? Math.round((last.atSeconds + last.durationSeconds) * 10) / 10 : 0,
    warnings: [],
  };
  if (drain.compareWithSleepSeconds !== undefined) {
    const saved = drain.compareWithSleepSeconds - waitSeconds;
    plan.drain.comparison = {
      sleepSeconds: drain.compareWithSleepSeconds,
      savedPerHostSeconds: round(saved),
      savedTotalSeconds: round(saved * facts.hosts.length),
      safe: drain.compareWithSleepSeconds >= unhealthy.latest,
    };
  }
  plan.warnings = planWarnings(config, plan);
  return plan;
}

export function planWarnings(config: DeployConfig, plan: Plan): string[] {
  const out: string[] = [];
  const { drain } = plan;
  if (plan.hosts.length === 1)
    out.push(
      drain.mode === 'termination'
        ? 'single target: an ALB fails open when every target is unhealthy, so a health-flip drain of the only target does nothing, and stopping it is downtime (run needs --allow-downtime)'
        : 'single target: deregistering the only target is downtime (run needs --allow-downtime)',
    );
  if (drain.comparison && !drain.comparison.safe)
    out.push(
      `the fixed sleep of ${drain.comparison.sleepSeconds} s is shorter than the latest unhealthy bound (${drain.unhealthyAfterSeconds.latest} s): a load balancer node may still route to the host when the JVM stops`,
    );
  if (drain.waitSeconds < drain.unhealthyAfterSeconds.latest)
    out.push(
      `wait ${drain.waitSeconds} s is shorter than the latest bound ${drain.unhealthyAfterSeconds.latest} s`,
    );
  if (config.drain.mode === 'deregister') {
    const D = drain.deregistrationDelaySeconds.value;
    if (D > 4 * config.drain.maxRequestSeconds)
      out.push(
        `deregistration delay ${D} s is far above the longest expected request (${config.drain.maxRequestSeconds} s): the tool ends the drain when nothing is in flight, but the API reports 'draining' for ${D} s; consider lowering deregistration_delay.timeout_seconds`,
      );
  }
  if (config.drain.mode === 'termination' && config.drain.responseSeconds > plan.healthCheck.timeoutSeconds)
    out.push(
      `drain.responseSeconds ${config.drain.responseSeconds} s exceeds the health-check timeout; d is capped at ${plan.healthCheck.timeoutSeconds} s`,
    );
  return out;
}

const round = (v: number) => Math.round(v * 1000) / 1000;
