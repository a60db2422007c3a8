// strategy 'swap' (issue 14): the new JVM starts beside the old one on the other port of app.ports,
// is checked on loopback, registered as instance:newPort and admitted; only once every
// load-balancer node routes to it is the old port deregistered, drained and the old JVM stopped.
// The live port is recorded on the host. Each step's swap run (src/engine/steps/) is its rolling
// run on a context whose app port (health, traffic looks, start env) and target port are the new
// or the old port: this module gives those contexts. Contract: docs/contracts.md, "strategy swap".
import type { HostCtx } from '../engine/context.ts';
import { parseTraffic, TrafficView, trafficSample } from '../remote/traffic.ts';
import { otherPort } from './swap-preflight.ts';

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

export const pair = (ctx: HostCtx): [number, number] => {
  const ports = ctx.config.app.ports;
  if (!ports) throw new Error("strategy 'swap' needs app.ports");
  return ports;
};
/** The port the app serves on now (recorded on the host; app.port before the first swap). */
export const live = (ctx: HostCtx) => ctx.state.livePort ?? ctx.config.app.port;
/** The port the new JVM starts on. */
export const next = (ctx: HostCtx) => otherPort(pair(ctx), live(ctx));

/** A few looks at the live port: which load-balancer nodes keep connections to it now. */
export async function nodesOn(ctx: HostCtx): Promise<string[]> {
  const view = new TrafficView();
  for (let i = 0; i < 8; i++) {
    const r = await ctx.exec.run(trafficSample(ctx.config.app.port), { signal: ctx.signal });
    if (r.code === 0) view.observe(ctx.clock.now(), parseTraffic(r.stdout));
    await ctx.clock.sleep(400, ctx.signal);
  }
  return view.nodes();
}
