// Drain mode 'termination': POST the app's termination path so /health fails, and let every
// load-balancer node mark the host unhealthy on its own checks (a health flip). The wait never ends
// before the computed bound (nodes decide independently); re-admission is the flip back.
import { z } from 'zod';
import { positiveSeconds, seconds } from '../../config/schema-helpers.ts';
import { run } from '../../engine/context.ts';
import { CommandError } from '../../executors/types.ts';
import { readmitWindow, unhealthyWindow } from '../../plan/drain.ts';
import * as c from '../../remote/commands.ts';
import { commonDrainFields, n } from '../common.ts';
import type { DrainMode } from '../types.ts';

export const terminationSchema = z.strictObject({
  mode: z
    .literal('termination')
    .describe('POST the termination path so /health fails, then wait out the window.'),
  path: z.string().startsWith('/').default('/termination').describe('Path that makes /health fail.'),
  responseSeconds: seconds('How fast a failing health check answers (r); d = min(r, timeout).').default(0.1),
  model: z
    .enum(['fixed-rate', 'fixed-delay'])
    .default('fixed-rate')
    .describe("Check schedule: AWS documents 'fixed-rate'; 'fixed-delay' is the field write-up's model."),
  compareWithSleepSeconds: positiveSeconds(
    'A fixed sleep to compare the computed wait with (e.g. 25).',
  ).optional(),
  maxWaitSeconds: positiveSeconds(
    'Hard cap when requests still arrive after the computed bound (default: twice the computed wait); reaching it warns.',
  ).optional(),
  ...commonDrainFields,
});
export type TerminationDrain = z.infer<typeof terminationSchema>;

// A passing check's response time; the sandbox's app and Spring Boot answer well under this.
const OK_RESPONSE_SECONDS = 0.1;
const round = (v: number) => Math.round(v * 1000) / 1000;
const own = (drain: unknown) => drain as TerminationDrain;

export const termination: DrainMode<TerminationDrain> = {
  name: 'termination',
  summary: 'POST the termination path so /health fails; wait the computed bound and until the host is quiet',
  rules: [],
  window(drain, { hc }) {
    const w = unhealthyWindow(hc, { responseSeconds: drain.responseSeconds, model: drain.model });
    return {
      model: w.model,
      unhealthy: { earliest: w.earliest, latest: w.latest },
      formula: w.formula,
      readmit: readmitWindow(hc, { okResponseSeconds: OK_RESPONSE_SECONDS, kind: 'health-flip' }),
      terms: { r: drain.responseSeconds, d: w.d },
      capSeconds: (waitSeconds) => round(drain.maxWaitSeconds ?? 2 * waitSeconds),
    };
  },
  warnings(drain, plan) {
    const out: string[] = [];
    if (plan.hosts.length === 1)
      out.push(
        'single target: an ALB fails open when every target is unhealthy, so a health-flip drain of the only target does nothing, and stopping it is downtime (run needs --allow-downtime)',
      );
    if (drain.responseSeconds > plan.healthCheck.timeoutSeconds)
      out.push(
        `drain.responseSeconds ${drain.responseSeconds} s exceeds the health-check timeout; d is capped at ${plan.healthCheck.timeoutSeconds} s`,
      );
    return out;
  },
  notes: {
    drain: 'POST termination path: /health starts failing',
    wait: 'computed bound; longer while requests still reach the host',
    admit: 'new JVM answers /health 200',
  },
  text: {
    window(plan) {
      const { drain } = plan;
      const t = drain.terms;
      const fixedRate = drain.model === 'fixed-rate';
      return [
        `  a failing check is recorded after d = min(r, T) = min(${n(t.r ?? 0)}, ${n(t.T)}) = ${n(t.d ?? 0)} s (r: drain.responseSeconds, source: config)`,
        '',
        fixedRate
          ? 'Unhealthy after (fixed-rate, as AWS documents: a check every I s whatever the response time; each LB node has its own phase in [0, I))'
          : 'Unhealthy after (fixed-delay: the next check starts I s after the previous one ended)',
        `  earliest = ${drain.formula.earliest} = ${fixedRate ? `(${t.N}-1)·${n(t.I)} + ${n(t.d ?? 0)}` : `(${t.N}-1)·${n(t.I)} + ${t.N}·${n(t.d ?? 0)}`} = ${n(drain.unhealthyAfterSeconds.earliest)} s`,
        `  latest   ${fixedRate ? '<' : '='} ${drain.formula.latest} = ${fixedRate ? `${t.N}·${n(t.I)} + ${n(t.d ?? 0)}` : `${t.N}·${n(t.I)} + ${n(t.dOk)} + ${t.N}·${n(t.d ?? 0)}`} = ${n(drain.unhealthyAfterSeconds.latest)} s`,
      ];
    },
    evidence: ({ drain }) =>
      `  evidence: never before the wait; ends there once the host has received no request from the load balancer for Q = ${n(drain.terms.Q)} s and none is in flight, else when it has (at most ${n(drain.capSeconds)} s, then a warning)`,
    readmit({ drain }) {
      const t = drain.terms;
      return [
        'Back in service (health flip: H passing checks)',
        `  earliest = ${drain.formula.readmitEarliest} = (${t.H}-1)·${n(t.I)} + ${n(t.dOk)} = ${n(drain.readmitWindowSeconds.earliest)} s`,
        `  latest   = ${drain.formula.readmitLatest} = ${t.H}·${n(t.I)} + ${n(t.dOk)} = ${n(drain.readmitWindowSeconds.latest)} s`,
      ];
    },
    summaryRows({ drain: d }) {
      const t = d.terms;
      return [
        `| failing check recorded after | d = min(r, T) = min(${n(t.r ?? 0)}, ${n(t.T)}) | ${n(t.d ?? 0)} |`,
        `| unhealthy window (${d.model}) | ${d.formula.earliest} to ${d.formula.latest} | ${n(d.unhealthyAfterSeconds.earliest)} to ${n(d.unhealthyAfterSeconds.latest)} |`,
      ];
    },
  },
  drainRule: ({ drain: d }) => ({
    kind: 'computed-bound',
    boundMs: d.waitSeconds * 1000,
    capMs: d.capSeconds * 1000,
    quietMs: (d.quietSeconds ?? 3) * 1000,
  }),
  settleRule: ({ drain: d }) => ({
    kind: 'health-flip',
    boundMs: (d.readmitAfterSeconds + d.marginSeconds) * 1000,
  }),

  async drain(ctx) {
    const { path } = own(ctx.config.drain);
    ctx.state.drained = true;
    // Nothing listens (an earlier deploy was killed after its stop): nothing to take traffic from.
    if (!ctx.state.oldPid) return 'no old JVM: nothing answers on the port, nothing to drain';
    // Not cut short by an interrupt: a POST cut off may still land, and the undo must know it did.
    const cmd = c.postDrain(ctx.config.app.port, path);
    const r = await run(ctx, 'drain', cmd, { signal: null });
    const code = r.stdout.trim();
    if (!/^2\d\d$/.test(code))
      throw new CommandError(ctx.host.name, cmd, {
        ...r,
        code: 1,
        stderr: `POST ${path} answered ${code || 'nothing'}`,
      });
    return `POST ${path} -> ${code}; /health now fails`;
  },
  admit: async (ctx) =>
    `the new JVM answers ${ctx.config.app.health.path} ${ctx.config.app.health.expectStatus}`,
  // The restarted (or never drained) JVM answers /health: the nodes' checks re-admit it.
  readmit: async () => undefined,
  // A new JVM that answers /health may pass the nodes' checks already: flip it as the old one was.
  async withdraw(ctx) {
    const { port, health } = ctx.config.app;
    const probe = (await ctx.exec.run(c.probeHealth(port, health.path))).stdout.trim();
    if (probe !== String(health.expectStatus)) return false;
    const { path } = own(ctx.config.drain);
    const cmd = c.postDrain(port, path);
    const r = await ctx.exec.run(cmd);
    if (!/^2\d\d$/.test(r.stdout.trim()))
      throw new CommandError(ctx.host.name, cmd, {
        ...r,
        code: 1,
        stderr: `POST ${path} answered ${r.stdout.trim() || 'nothing'}`,
      });
    ctx.state.drained = true;
    return true;
  },
};
