// Pure planner: config + gathered facts -> the versioned plan (docs/contracts.md, section 5).
// Facts are gathered elsewhere (config, or AWS); this file never does I/O.
import type { DeployConfig } from '../config/schema.ts';
import { type DrainModeName, drainMode } from '../drain/registry.ts';
import type { ModeWindow } from '../drain/types.ts';
import { HOOK_NAMES, type Hook, type HookName, type Hooks } from '../hooks/schema.ts';
import type { Registry, StepName } from '../runbook/registry.ts';
import { sequence } from '../runbook/sequence.ts';
import type { EstimateInput, SequenceInput } from '../runbook/types.ts';
import { type AutoDecision, concrete } from '../strategy/auto.ts';
import { type HealthCheck, recommendedWait, type UnhealthyWindow, type Window } from './drain.ts';
import { type PlanRollout, planRollout } from './rollout.ts';
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
  /** The `--env` the config was loaded with (docs/cli.md, "Environments"). */
  environment?: string;
  /** strategy 'auto': what it picked and why, from a read-only look at each host (src/strategy/auto.ts). */
  auto?: AutoDecision;
  drain: {
    mode: DrainModeName;
    /** The check schedule (termination), or the mode's own model ('deregistration'). */
    model: UnhealthyWindow['model'] | 'deregistration' | (string & {});
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
  /** Each host's steps in order: what the engine executes (src/runbook/sequence.ts, from the registry). */
  steps: StepName[];
  /** The configured hooks, in hook-point order (docs/hooks.md); absent when there are none. */
  hooks?: PlanHook[];
  timeline: TimelineEntry[];
  totalSeconds: number;
  /** Batches and the healthy floor (src/plan/rollout.ts). */
  rollout: PlanRollout;
  /** The maintenance response (config `maintenance`): the rule a --allow-downtime run adds for a host with no other target. */
  maintenance?: {
    listenerArn: string;
    priority: number;
    statusCode: '503';
    contentType: string;
    bodyCharacters: number;
  };
  warnings: string[];
};

/** What the steps' estimates read (src/runbook/steps/). */
function estimateInput(
  config: DeployConfig,
  notes: EstimateInput['notes'],
  waitSeconds: number,
  settleSeconds: number,
): EstimateInput {
  return {
    buildWhere: config.app.build.where,
    notes,
    waitSeconds,
    settleSeconds,
    graceSeconds: config.app.stop.graceSeconds,
    buildSeconds: config.app.build.estimateSeconds,
    bootSeconds: config.app.start.bootSeconds,
    ...(config.hooks ? { hooks: config.hooks } : {}),
  };
}

export function buildPlan(
  config: DeployConfig,
  facts: Facts,
  /** registry: the runbook's steps (a test's own, with a step of its own: test/unit/step-registry.test.ts). */
  opts: { kind?: SequenceInput['kind']; registry?: Registry } = {},
): Plan {
  const drain = config.drain;
  const mode = drainMode(drain);
  const w = mode.window(drain, { hc: facts.healthCheck, deregistrationDelay: facts.deregistrationDelay });
  const waitSeconds = recommendedWait(w.unhealthy, drain.marginSeconds);
  const steps = sequence(
    {
      strategy: concrete(config.strategy),
      buildWhere: config.app.build.where,
      kind: opts.kind ?? 'deploy',
      hooks: hookNames(config.hooks),
    },
    opts.registry,
  );
  const estimates = estimateInput(config, mode.notes, waitSeconds, w.readmit.latest);
  const timeline = buildTimeline({ ...estimates, hosts: facts.hosts, steps }, opts.registry);
  const { rollout, timeline: batched } = planRollout(config, facts.hosts, timeline);
  const plan: Plan = {
    version: PLAN_VERSION,
    app: config.app.name,
    strategy: config.strategy,
    hosts: facts.hosts,
    healthCheck: facts.healthCheck,
    ...(facts.targetGroup ? { targetGroup: facts.targetGroup } : {}),
    drain: drainSection(drain, facts, w, waitSeconds),
    steps,
    ...(opts.kind !== 'rollback' && hookNames(config.hooks).length > 0
      ? { hooks: planHooks(config.hooks) }
      : {}),
    timeline: batched,
    totalSeconds: rollout.totalSeconds,
    rollout,
    ...(config.maintenance
      ? {
          maintenance: {
            listenerArn: config.maintenance.listenerArn,
            priority: config.maintenance.priority,
            statusCode: '503' as const,
            contentType: config.maintenance.contentType,
            bodyCharacters: config.maintenance.body.length,
          },
        }
      : {}),
    warnings: [],
  };
  plan.warnings = planWarnings(config, plan);
  return plan;
}

export type PlanHook = { hook: HookName } & Hook;

const hookNames = (hooks: Hooks): HookName[] => HOOK_NAMES.filter((h) => (hooks[h]?.length ?? 0) > 0);
const planHooks = (hooks: Hooks): PlanHook[] =>
  hookNames(hooks).flatMap((hook) => (hooks[hook] ?? []).map((h) => ({ hook, ...h })));
/** The plan's drain math: the mode's window with its terms and formula, and the fixed-sleep comparison. */
function drainSection(
  drain: DeployConfig['drain'],
  facts: Facts,
  w: ModeWindow,
  waitSeconds: number,
): Plan['drain'] {
  const hc = facts.healthCheck;
  const section: Plan['drain'] = {
    mode: drain.mode,
    model: w.model,
    unhealthyAfterSeconds: w.unhealthy,
    waitSeconds,
    marginSeconds: drain.marginSeconds,
    quietSeconds: drain.quietSeconds,
    capSeconds: w.capSeconds(waitSeconds),
    readmitAfterSeconds: w.readmit.latest,
    readmitWindowSeconds: { earliest: w.readmit.earliest, latest: w.readmit.latest },
    deregistrationDelaySeconds: {
      value: facts.deregistrationDelay.seconds,
      source: facts.deregistrationDelay.source,
    },
    terms: {
      I: hc.intervalSeconds,
      T: hc.timeoutSeconds,
      N: hc.unhealthyThreshold,
      H: hc.healthyThreshold,
      ...w.terms,
      dOk: w.readmit.dOk,
      Q: drain.quietSeconds,
    },
    formula: {
      ...w.formula,
      readmitEarliest: w.readmit.formula.earliest,
      readmitLatest: w.readmit.formula.latest,
    },
  };
  const sleep = 'compareWithSleepSeconds' in drain ? drain.compareWithSleepSeconds : undefined;
  if (sleep === undefined) return section;
  const saved = sleep - waitSeconds;
  section.comparison = {
    sleepSeconds: sleep,
    savedPerHostSeconds: round(saved),
    savedTotalSeconds: round(saved * facts.hosts.length),
    safe: sleep >= w.unhealthy.latest,
  };
  return section;
}

export function planWarnings(config: DeployConfig, plan: Plan): string[] {
  const { drain } = plan;
  const out = drainMode(config.drain).warnings(config.drain, plan);
  if (drain.comparison && !drain.comparison.safe)
    out.push(
      `the fixed sleep of ${drain.comparison.sleepSeconds} s is shorter than the latest unhealthy bound (${drain.unhealthyAfterSeconds.latest} s): a load balancer node may still route to the host when the JVM stops`,
    );
  if (drain.waitSeconds < drain.unhealthyAfterSeconds.latest)
    out.push(
      `wait ${drain.waitSeconds} s is shorter than the latest bound ${drain.unhealthyAfterSeconds.latest} s`,
    );
  return out;
}

const round = (v: number) => Math.round(v * 1000) / 1000;
