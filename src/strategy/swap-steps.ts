// strategy 'swap' (issue 14): the new JVM starts beside the old one on the other port of app.ports,
// is checked on loopback, registered as instance:newPort and admitted; only once every
// load-balancer node routes to it is the old port deregistered, drained and the old JVM stopped.
// The live port is recorded on the host. The steps are the usual ones run on a context whose app
// port (health, traffic looks, start env) and target port are the new or the old port.
// Contract: docs/contracts.md, "strategy swap".
import type { HostCtx, Step } from '../engine/context.ts';
import { hookStep } from '../engine/hook-steps.ts';
import { PreflightError, preflight } from '../engine/preflight.ts';
import { startPrevious, stopNewJvm, switchBack } from '../engine/restore.ts';
import { admit, build, health, settle, start, stop, upload, wait } from '../engine/steps.ts';
import { waitUntilDrained } from '../engine/waits.ts';
import { check } from '../executors/types.ts';
import * as c from '../remote/commands.ts';
import * as sw from '../remote/swap.ts';
import { parseTraffic, TrafficView, trafficSample } from '../remote/traffic.ts';
import type { StepName } from '../runbook/sequence.ts';
import { otherPort, swapProblems } from './swap-preflight.ts';

/** The host context with the app (and its target) on `port`; state stays shared. */
export function onPort(ctx: HostCtx, port: number): HostCtx {
  const app = ctx.config.app;
  const env = { ...app.start.env, [app.portEnv]: String(port) };
  return {
    ...ctx,
    config: { ...ctx.config, app: { ...app, port, start: { ...app.start, env } } },
    ...(ctx.lb ? { lb: { ...ctx.lb, targetPort: port } } : {}),
  };
}

const pair = (ctx: HostCtx): [number, number] => {
  const ports = ctx.config.app.ports;
  if (!ports) throw new Error("strategy 'swap' needs app.ports");
  return ports;
};
const live = (ctx: HostCtx) => ctx.state.livePort ?? ctx.config.app.port;
const next = (ctx: HostCtx) => otherPort(pair(ctx), live(ctx));

const swapPreflight: Step = {
  name: 'preflight',
  async run(ctx) {
    const text = (await check(ctx.exec, sw.readLivePort(ctx.layout), { signal: ctx.signal })).stdout;
    ctx.state.livePort = sw.parseLivePort(text, ctx.config.app.port);
    // The only target keeps serving throughout: the single-target refusal (and the maintenance
    // rule that goes with downtime) is not for a swap.
    const { maintenance: _none, ...o } = onPort(ctx, live(ctx));
    const detail = await preflight.run({ ...o, allowDowntime: true });
    const listeners = sw.parseListeners(
      (await check(ctx.exec, sw.portListeners(pair(ctx)), { signal: ctx.signal })).stdout,
    );
    const tg = ctx.lb ? await ctx.lb.port.describeTargetGroup(ctx.lb.arn) : undefined;
    const problems = swapProblems({
      targetType: tg?.targetType ?? 'instance',
      healthCheckPort: tg?.healthCheckPort ?? 'traffic-port',
      ports: pair(ctx),
      livePort: live(ctx),
      listeners,
      appPids: ctx.state.oldPid ? [ctx.state.oldPid] : [],
    });
    if (problems.length > 0)
      throw new PreflightError(
        `${ctx.host.name}: a port swap cannot start: ${problems.map((p) => p.message).join('; ')}`,
        `Fix: ${problems.map((p) => p.fix).join('; ')}.`,
      );
    return `${detail}; live port ${live(ctx)}, new JVM on ${next(ctx)}`;
  },
};

// The new JVM on the other port; undo stops it, points `current` back, and names the old JVM in
// the PID file again (it never stopped serving).
const swapStart: Step = {
  name: 'start',
  run: (ctx) => start.run(onPort(ctx, next(ctx))),
  async undo(ctx) {
    await stopNewJvm(ctx);
    await switchBack(ctx);
    if (ctx.state.oldPid) await ctx.exec.run(sw.writePidFile(ctx.layout, ctx.state.oldPid));
  },
};

const swapHealth: Step = { name: 'health', run: (ctx) => health.run(onPort(ctx, next(ctx))) };

// Undo: out of the group again, and only once no node sends it requests is the new JVM stopped.
const swapAdmit: Step = {
  name: 'admit',
  async run(ctx) {
    ctx.state.lbNodes = await nodesOn(onPort(ctx, live(ctx)));
    return `${await admit.run(onPort(ctx, next(ctx)))} port ${next(ctx)}`;
  },
  async undo(ctx) {
    const n = onPort(ctx, next(ctx));
    if (!n.lb) return;
    await n.lb.port.deregister(n.lb.arn, { id: n.lb.targetId, port: next(ctx) });
    await waitUntilDrained(n);
  },
};

const swapSettle: Step = { name: 'settle', run: (ctx) => settle.run(onPort(ctx, next(ctx))) };

// The old port out. Undo is the swap's restore: the old port back in the group, and if the old
// JVM no longer answers there (a failure in stop after its SIGTERM), the previous release started
// on it first; only then do the undos of admit and start take the new port and JVM away.
const swapDrain: Step = {
  name: 'drain',
  async run(ctx) {
    const o = onPort(ctx, live(ctx));
    if (!o.lb) throw new Error("strategy 'swap' needs the load balancer");
    // Before the call: an answer lost on the way back must still be undone (registering is idempotent).
    ctx.state.drained = true;
    await o.lb.port.deregister(o.lb.arn, { id: o.lb.targetId, port: live(ctx) });
    return `DeregisterTargets ${o.lb.targetId}:${live(ctx)}`;
  },
  async undo(ctx) {
    const o = onPort(ctx, live(ctx));
    if (!o.lb || !ctx.state.drained) return;
    const { port, health: h } = o.config.app;
    const probe = (await ctx.exec.run(c.probeHealth(port, h.path))).stdout.trim();
    if (probe !== String(h.expectStatus)) ctx.state.oldPid = await startPrevious(o);
    await o.lb.port.register(o.lb.arn, { id: o.lb.targetId, port: live(ctx) });
  },
  restores: true,
};

const swapWait: Step = { name: 'wait', run: (ctx) => wait.run(onPort(ctx, live(ctx))) };

const swapStop: Step = {
  name: 'stop',
  async run(ctx) {
    const detail = await stop.run(ctx);
    const to = next(ctx);
    await check(ctx.exec, sw.writeLivePort(ctx.layout, to));
    ctx.state.livePort = to;
    return `${detail}; live port now ${to}`;
  },
};

/** A few looks at the live port: which load-balancer nodes keep connections to it now. */
async function nodesOn(ctx: HostCtx): Promise<string[]> {
  const view = new TrafficView();
  for (let i = 0; i < 8; i++) {
    const r = await ctx.exec.run(trafficSample(ctx.config.app.port), { signal: ctx.signal });
    if (r.code === 0) view.observe(ctx.clock.now(), parseTraffic(r.stdout));
    await ctx.clock.sleep(400, ctx.signal);
  }
  return view.nodes();
}

/**
 * The swap's runbook: each step's run and undo on the port it concerns, by name (the order is
 * src/runbook/sequence.ts's; the undos that run after a failure: src/runbook/failure.ts).
 */
export const SWAP_STEPS: Record<StepName, Step> = {
  preflight: swapPreflight,
  upload,
  build,
  start: swapStart,
  health: swapHealth,
  admit: swapAdmit,
  settle: swapSettle,
  drain: swapDrain,
  wait: swapWait,
  stop: swapStop,
  // The admit's undo drains the new port before it is stopped: the hooks need no undo of their own.
  beforeDrain: hookStep('beforeDrain', false),
  afterStart: hookStep('afterStart', false),
  afterHealthy: hookStep('afterHealthy', false),
  afterDeploy: hookStep('afterDeploy', false),
};
