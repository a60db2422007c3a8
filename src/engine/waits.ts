// The two waits around the restart: until the load balancer has stopped sending requests to the
// host (drained), and until every one of its nodes sends requests to it again (settled). The
// evidence is the host's own sockets (remote/traffic.ts) and, where it can be asked, the load
// balancer's API; the rules are pure (drain-rules.ts); here is only the loop (poll.ts owns time).
import { targetOf } from '../drain/common.ts';
import { drainMode } from '../drain/registry.ts';
import { parseTraffic, TrafficView, trafficSample } from '../remote/traffic.ts';
import type { HostCtx } from './context.ts';
import {
  type DrainEnd,
  type DrainEvidence,
  type DrainRule,
  drainVerdict,
  type SettleRule,
  settleVerdict,
} from './drain-rules.ts';
import { poll } from './poll.ts';

// Fast enough that the drain ends well within 1 s of the quiet window closing (a look takes one
// SSH round trip on top).
const LOOK_MS = 250;
const MAX_LOOK_MS = 400;
// DescribeTargetHealth at most this often: its word changes slowly and AWS throttles it.
const API_EVERY_MS = 2000;

/** The drain's numbers for this host, from its drain mode (docs/drain-evidence.md). */
export const drainRule = (ctx: HostCtx): DrainRule =>
  ctx.state.maintenance
    ? {
        // The rule answers at the listener: the host only has to finish what is in flight.
        kind: 'listener-rule',
        blindMs: ctx.plan.drain.waitSeconds * 1000,
        capMs: ctx.plan.drain.capSeconds * 1000,
        quietMs: ctx.plan.drain.quietSeconds * 1000,
      }
    : drainMode(ctx.plan.drain.mode).drainRule(ctx.plan);

/** One look at the host's sockets, folded into the view; false when they cannot be read. */
async function look(ctx: HostCtx, view: TrafficView): Promise<boolean> {
  const r = await ctx.exec.run(trafficSample(ctx.config.app.port), { signal: ctx.signal });
  if (r.code !== 0) return false;
  view.observe(ctx.clock.now(), parseTraffic(r.stdout));
  return true;
}

/** The API's state for this host, asked at most every API_EVERY_MS (undefined: no load balancer). */
function apiReader(ctx: HostCtx, keep: (state: string) => boolean = () => false) {
  let last: { at: number; state: string } | undefined;
  return async (): Promise<string | undefined> => {
    if (!ctx.lb) return undefined;
    if (last && (keep(last.state) || ctx.clock.now() - last.at < API_EVERY_MS)) return last.state;
    last = { at: ctx.clock.now(), state: await targetState(ctx.lb) };
    return last.state;
  };
}

export async function waitUntilDrained(ctx: HostCtx): Promise<string> {
  const rule = drainRule(ctx);
  const view = new TrafficView();
  // `draining` never turns back into routing: once seen, it need not be asked again.
  const api =
    rule.kind === 'api-draining' ? apiReader(ctx, (s) => s === 'draining' || s === 'unused') : undefined;
  const t0 = ctx.clock.now();
  let seen = false;
  let end = 'cap' as DrainEnd;
  let lastTick = -1;
  const result = await poll({
    clock: ctx.clock,
    signal: ctx.signal,
    timeoutMs: rule.capMs,
    intervalMs: LOOK_MS,
    maxIntervalMs: MAX_LOOK_MS,
    check: async () => {
      const evidence = await look(ctx, view);
      seen ||= evidence;
      const e: DrainEvidence = {
        elapsedMs: ctx.clock.now() - t0,
        evidence,
        blind: !seen,
        quietMs: ctx.clock.now() - view.lastRequestAt(),
        inflight: view.inflight(),
        pending: view.pending(),
        samples: view.samples,
        ...(api ? { api: await api() } : {}),
      };
      lastTick = tick(ctx, e.elapsedMs, rule.capMs, lastTick, 'drain: until no request reaches the host');
      const v = drainVerdict(rule, e);
      if (v.done) end = v.by;
      return v.done ? { done: true } : v;
    },
  });
  ctx.signal.throwIfAborted();
  if (result.state !== 'SUCCESS') end = rule.kind === 'computed-bound' ? 'cap' : 'delay';
  ctx.state.lbNodes = view.nodes();
  ctx.state.drainEndedBy = end;
  ctx.state.drainWaited = true;
  return drainOutcome(ctx, rule, { end, seen, view, t0, last: result.last });
}

/** How the drain ended, in words, with the warning a blind or capped drain deserves. */
function drainOutcome(
  ctx: HostCtx,
  rule: DrainRule,
  d: { end: DrainEnd; seen: boolean; view: TrafficView; t0: number; last: string | undefined },
): string {
  const seconds = Math.round((ctx.clock.now() - d.t0) / 100) / 10;
  const last = d.view.lastRequestAt();
  const lastSeen = Number.isFinite(last)
    ? `, last request ${Math.round((ctx.clock.now() - last) / 100) / 10} s before`
    : '';
  const nodes = `${d.view.nodes().length} node(s) seen`;
  const q = rule.quietMs / 1000;
  switch (d.end) {
    case 'bound':
      if (rule.kind === 'listener-rule')
        return `waited ${seconds} s behind the maintenance rule (the host's sockets could not be read: no evidence)`;
      return d.seen
        ? `drained after ${seconds} s: the computed bound, with no request for ${q} s and none in flight (${nodes}${lastSeen})`
        : `waited the bound ${seconds} s (the host's sockets could not be read: no evidence)`;
    case 'quiet':
      return `drained after ${seconds} s: no request from the load balancer for ${q} s and none in flight${rule.kind === 'computed-bound' ? `, past the computed bound ${ctx.plan.drain.waitSeconds} s` : ''} (${nodes}${lastSeen})`;
    case 'delay':
      if (!d.seen) warnBlind(ctx);
      return `waited the deregistration delay ${seconds} s (last seen: ${d.last ?? 'nothing'})`;
    case 'cap':
      ctx.emit({
        kind: 'log',
        host: ctx.host.name,
        level: 'warn',
        message:
          rule.kind === 'listener-rule'
            ? `requests still reached ${ctx.host.name} ${seconds} s after the maintenance rule was created: a rule of a higher priority forwards to the app (maintenance.priority)`
            : `requests still reached ${ctx.host.name} ${seconds} s after the drain began, past the computed bound ${ctx.plan.drain.waitSeconds} s: the target group's health-check settings do not match the config, or its nodes do not follow the model (docs/drain-evidence.md)`,
      });
      return `stopped waiting at the cap ${seconds} s with requests still arriving (${d.last ?? 'nothing'}${lastSeen})`;
  }
}

function warnBlind(ctx: HostCtx): void {
  ctx.emit({
    kind: 'log',
    host: ctx.host.name,
    level: 'warn',
    message: `the app port's connections on ${ctx.host.name} could not be read (ss -tin, from iproute2): nothing showed when the load balancer stopped, so the drain waited the whole deregistration delay (docs/drain-evidence.md)`,
  });
}

export const settleRule = (ctx: HostCtx): SettleRule => drainMode(ctx.plan.drain.mode).settleRule(ctx.plan);

export async function waitUntilSettled(ctx: HostCtx): Promise<string> {
  const rule = settleRule(ctx);
  const nodes = ctx.state.lbNodes ?? [];
  const view = new TrafficView();
  const api = rule.kind === 'new-registration' ? apiReader(ctx) : undefined;
  const t0 = ctx.clock.now();
  let by = 'bound';
  let lastTick = -1;
  const result = await poll({
    clock: ctx.clock,
    signal: ctx.signal,
    timeoutMs: rule.boundMs,
    intervalMs: LOOK_MS,
    maxIntervalMs: MAX_LOOK_MS,
    check: async () => {
      if (nodes.length > 0) await look(ctx, view);
      const routing = nodes.filter((n) => (view.lastRequestFrom(n) ?? Number.NEGATIVE_INFINITY) >= t0);
      const elapsedMs = ctx.clock.now() - t0;
      const state = api ? await api() : undefined;
      lastTick = tick(ctx, elapsedMs, rule.boundMs, lastTick, 'settle: until every node routes to the host');
      const v = settleVerdict(rule, { elapsedMs, nodes, routing, ...(state ? { api: state } : {}) });
      if (v.done) by = v.by;
      return v.done ? { done: true } : v;
    },
  });
  ctx.signal.throwIfAborted();
  const seconds = Math.round((ctx.clock.now() - t0) / 100) / 10;
  if (result.state === 'FAILURE') throw new Error(`${result.reason} within ${seconds} s`);
  if (by === 'nodes') return `every node (${nodes.length}) routes to the host again after ${seconds} s`;
  if (by === 'api') return `healthy in the target group after ${seconds} s (no node seen before the drain)`;
  if (nodes.length > 0)
    ctx.emit({
      kind: 'log',
      host: ctx.host.name,
      level: 'warn',
      message: `after ${seconds} s ${result.last ?? 'some node is not seen routing'} to ${ctx.host.name}; going on at the bound`,
    });
  return `waited the re-admission bound ${seconds} s${nodes.length > 0 ? ` (${result.last ?? ''})` : ''}`;
}

/** A `wait:tick` event once a second of the wait, for the live renderers. */
function tick(ctx: HostCtx, elapsedMs: number, boundMs: number, last: number, note: string): number {
  const second = Math.floor(elapsedMs / 1000);
  if (second === last) return last;
  ctx.emit({
    kind: 'wait:tick',
    host: ctx.host.name,
    elapsedSeconds: second,
    boundSeconds: Math.round(boundMs / 1000),
    note,
  });
  return second;
}

/** This host's state in the target group, as the load balancer reports it. */
async function targetState(lb: NonNullable<HostCtx['lb']>): Promise<string> {
  const [target] = await lb.port.targetHealth(lb.arn, [targetOf(lb)]);
  return target?.state ?? 'unknown';
}
