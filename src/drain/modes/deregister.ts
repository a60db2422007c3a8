// Drain mode 'deregister': DeregisterTargets takes the host out of the target group; each
// load-balancer node stops routing after its own propagation delay, so the wait needs the API to
// say `draining` and then the host's own quiet, at most the deregistration delay D. Re-admission is
// RegisterTargets, confirmed through DescribeTargetHealth (a registration's latency is undocumented).
import { z } from 'zod';
import { positiveSeconds } from '../../config/schema-helpers.ts';
import { deregistrationWindow, readmitWindow } from '../../plan/drain.ts';
import { commonDrainFields, n, targetOf } from '../common.ts';
import type { DrainMode } from '../types.ts';

export const deregisterSchema = z.strictObject({
  mode: z
    .literal('deregister')
    .describe('DeregisterTargets, wait until no request reaches the host, RegisterTargets.'),
  maxRequestSeconds: positiveSeconds(
    "Longest request you expect: the plan's estimate of the drain (the drain itself ends on the host's evidence).",
  ).default(30),
  compareWithSleepSeconds: positiveSeconds('A fixed sleep to compare the computed wait with.').optional(),
  ...commonDrainFields,
});
export type DeregisterDrain = z.infer<typeof deregisterSchema>;

const OK_RESPONSE_SECONDS = 0.1;

export const deregister: DrainMode<DeregisterDrain> = {
  name: 'deregister',
  summary:
    'DeregisterTargets; wait until the API says draining and the host is quiet (at most D); RegisterTargets',
  rules: [
    ({ config, errors }) => {
      if (!config.loadBalancer.targetGroup)
        errors.push({
          path: 'drain.mode',
          message: "'deregister' needs loadBalancer.targetGroup",
          hint: "DeregisterTargets needs a target group; use mode 'termination' with an offline load balancer",
        });
      if (Array.isArray(config.hosts))
        config.hosts.forEach((host, i) => {
          if (!host.instanceId)
            errors.push({
              path: `hosts[${i}].instanceId`,
              message: "required with drain.mode 'deregister'",
              hint: 'the instance id is the target Id in the target group, e.g. i-0abc1234def567890',
            });
        });
    },
  ],
  window(drain, { hc, deregistrationDelay }) {
    const D = deregistrationDelay.seconds;
    return {
      model: 'deregistration',
      unhealthy: deregistrationWindow({ delaySeconds: D, maxRequestSeconds: drain.maxRequestSeconds }),
      formula: { earliest: '0 (routing stops at deregistration)', latest: 'min(D, longest request)' },
      readmit: readmitWindow(hc, { okResponseSeconds: OK_RESPONSE_SECONDS, kind: 'new-registration' }),
      terms: { D },
      capSeconds: (waitSeconds) => Math.max(D, waitSeconds),
    };
  },
  warnings(drain, plan) {
    const out: string[] = [];
    if (plan.hosts.length === 1)
      out.push('single target: deregistering the only target is downtime (run needs --allow-downtime)');
    const D = plan.drain.deregistrationDelaySeconds.value;
    if (D > 4 * drain.maxRequestSeconds)
      out.push(
        `deregistration delay ${D} s is far above the longest expected request (${drain.maxRequestSeconds} s): the tool ends the drain when nothing is in flight, but the API reports 'draining' for ${D} s; consider lowering deregistration_delay.timeout_seconds`,
      );
    return out;
  },
  notes: {
    drain: 'DeregisterTargets',
    wait: '~estimate; until no request reaches the host for drain.quietSeconds, at most D',
    admit: 'RegisterTargets',
  },
  text: {
    window: ({ drain }, source) => [
      '',
      'Deregistration (each load-balancer node stops routing after its own delay; the API says draining for D)',
      `  deregistration delay D = ${n(drain.deregistrationDelaySeconds.value)} s (${source(drain.deregistrationDelaySeconds.source)})`,
      `  expected = ${drain.formula.latest} = ${n(drain.unhealthyAfterSeconds.latest)} s (longest request: drain.maxRequestSeconds, source: config): the timeline's estimate`,
    ],
    evidence: ({ drain }) =>
      `  evidence: ends once the API says draining and the host has received no request from the load balancer for Q = ${n(drain.terms.Q)} s with none in flight (at most D = ${n(drain.capSeconds)} s)`,
    readmit: ({ drain }) => [
      'Back in service (new registration: initial, then healthy)',
      `  earliest = ${drain.formula.readmitEarliest} = ${n(drain.readmitWindowSeconds.earliest)} s`,
      `  latest   = ${drain.formula.readmitLatest} = ${n(drain.readmitWindowSeconds.latest)} s (plus registration latency: confirmed through DescribeTargetHealth)`,
    ],
    summaryRows: ({ drain: d }) => [
      `| deregistration delay D (${d.deregistrationDelaySeconds.source}) | | ${n(d.deregistrationDelaySeconds.value)} |`,
      `| draining done | ${d.formula.latest} | ${n(d.unhealthyAfterSeconds.latest)} |`,
    ],
  },
  drainRule: ({ drain: d }) => ({
    kind: 'api-draining',
    capMs: d.capSeconds * 1000,
    quietMs: (d.quietSeconds ?? 3) * 1000,
  }),
  // A new registration has no documented latency bound: allow a generous multiple of the window.
  settleRule: ({ drain: d }) => ({
    kind: 'new-registration',
    boundMs: Math.max((d.readmitAfterSeconds + d.marginSeconds) * 4, 60) * 1000,
  }),

  async drain(ctx) {
    if (!ctx.lb) throw new Error('deregister mode needs the load balancer');
    await ctx.lb.port.deregister(ctx.lb.arn, targetOf(ctx.lb));
    ctx.state.drained = true;
    return `DeregisterTargets ${ctx.lb.targetId}`;
  },
  async admit(ctx) {
    if (!ctx.lb)
      return `the new JVM answers ${ctx.config.app.health.path} ${ctx.config.app.health.expectStatus}`;
    ctx.state.admitted = true; // before the call: an answer lost on the way back still counts
    await ctx.lb.port.register(ctx.lb.arn, targetOf(ctx.lb));
    return `RegisterTargets ${ctx.lb.targetId}`;
  },
  async readmit(ctx) {
    if (ctx.lb && ctx.state.drained) await ctx.lb.port.register(ctx.lb.arn, targetOf(ctx.lb));
  },
  // Only a registered new JVM gets traffic: before admit there is nothing to take away.
  async withdraw(ctx) {
    if (!ctx.lb || !ctx.state.admitted) return false;
    await ctx.lb.port.deregister(ctx.lb.arn, targetOf(ctx.lb));
    ctx.state.admitted = false;
    return true;
  },
};
