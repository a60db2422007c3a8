// Batches with a healthy floor (docs/rollout.md): hosts of a batch run side by side, batches one
// after the other. Before each drain the FloorGate asks the load balancer (or, without one, every
// host's own /health) which targets are healthy, counts this deploy's drains the balancer may not
// show yet, and lets the host drain only if the floor still holds; else the host waits. Gate calls
// are serialized, so two hosts never both take the last place. The first failure closes the gate:
// hosts not yet drained are left out (nothing changed on them), hosts already draining finish.

import type { StaticHost } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import type { Executor } from '../executors/types.ts';
import * as c from '../remote/commands.ts';
import {
  batches,
  batchSizeOf,
  floorOf,
  floorProblem,
  healthyAfterDrain,
  mayDrain,
} from '../rollout/batches.ts';
import type { Clock } from './clock.ts';
import type { HostCtx, Step } from './context.ts';
import type { DeployDeps, HostReport } from './deploy.ts';
import type { EmitFn } from './events.ts';

/** A host that never drained because the rollout stopped, or the floor did not allow it in time. */
export class HeldBackError extends Error {
  /** 'stopped': another host failed (this one is skipped); 'floor': it waited too long (a failure). */
  readonly why: 'stopped' | 'floor';
  constructor(message: string, why: 'stopped' | 'floor') {
    super(message);
    this.name = 'HeldBackError';
    this.why = why;
  }
}

/** Left out because another host failed: nothing changed on it, so it reports as skipped. */
export const heldBack = (o: { error?: Error }): boolean =>
  o.error instanceof HeldBackError && o.error.why === 'stopped';

export type HealthySource = (signal: AbortSignal) => Promise<string[]>;

type GateOptions = {
  floor: number;
  allowDowntime: boolean;
  healthy: HealthySource;
  clock: Clock;
  waitSeconds: number;
  emit: EmitFn;
};

export class FloorGate {
  private readonly inFlight = new Set<string>();
  private stoppedBy: string | undefined;
  private turn: Promise<void> = Promise.resolve();
  private readonly o: GateOptions;
  constructor(o: GateOptions) {
    this.o = o;
  }

  /** No new drains from now on (the first failure). */
  stop(by: string): void {
    this.stoppedBy ??= by;
  }

  /** The deploy's events, with the gate closed the moment any host starts its undo. */
  watch(emit: EmitFn): EmitFn {
    return (event) => {
      if (event.kind === 'rollback:start') this.stop(event.host);
      emit(event);
    };
  }

  /** The host is back in service, restored, or beyond help: the balancer's view counts it again. */
  done(host: string): void {
    this.inFlight.delete(host);
  }

  /** Resolves when `host` may be drained (and counts it as drained); throws HeldBackError otherwise. */
  beforeDrain(host: string, signal: AbortSignal): Promise<void> {
    const mine = this.turn.then(() => this.admit(host, signal));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async admit(host: string, signal: AbortSignal): Promise<void> {
    const deadline = this.o.clock.now() + this.o.waitSeconds * 1000;
    let said = false;
    for (;;) {
      if (this.stoppedBy)
        throw new HeldBackError(`not drained: the rollout stopped after ${this.stoppedBy} failed`, 'stopped');
      if (this.o.allowDowntime) break;
      const view = {
        healthy: await this.o.healthy(signal),
        inFlight: [...this.inFlight],
        host,
        floor: this.o.floor,
      };
      if (mayDrain(view)) {
        this.o.emit({
          kind: 'log',
          host,
          level: 'info',
          message: `floor: ${healthyAfterDrain(view)} targets stay healthy while ${host} drains (at least ${this.o.floor})`,
        });
        break;
      }
      if (this.o.clock.now() >= deadline)
        throw new HeldBackError(
          `not drained: draining it would leave ${healthyAfterDrain(view)} healthy targets, below rollout.minHealthy (${this.o.floor}), for ${this.o.waitSeconds} s`,
          'floor',
        );
      if (!said)
        this.o.emit({
          kind: 'log',
          host,
          level: 'info',
          message: `waiting for the floor: draining now would leave ${healthyAfterDrain(view)} healthy targets, at least ${this.o.floor} must stay`,
        });
      said = true;
      await this.o.clock.sleep(1000, signal);
    }
    this.inFlight.add(host);
  }
}

/** The steps with the gate in front of the drain: a held-back host has changed nothing that serves. */
export function gated(steps: Step[], gate: FloorGate): Step[] {
  return steps.map((step) =>
    step.name !== 'drain'
      ? step
      : {
          ...step,
          run: async (ctx: HostCtx) => {
            await gate.beforeDrain(ctx.host.name, ctx.signal);
            return step.run(ctx);
          },
        },
  );
}

/** Healthy targets as the load balancer sees them, named as hosts where the target is one of ours. */
export function healthyFromLb(
  lb: { port: { targetHealth(arn: string): Promise<{ id: string; state: string }[]> }; arn: string },
  names: Map<string, string>,
): HealthySource {
  return async () =>
    (await lb.port.targetHealth(lb.arn))
      .filter((t) => t.state === 'healthy')
      .map((t) => names.get(t.id) ?? t.id);
}

/** Without a load balancer to ask: the hosts whose own /health answers as expected. */
export function healthyFromHosts(
  execs: Map<string, Executor>,
  health: { port: number; path: string; expectStatus: number },
): HealthySource {
  return async (signal) => {
    const answers = await Promise.all(
      [...execs].map(async ([name, exec]) => {
        const r = await exec.run(c.probeHealth(health.port, health.path), { signal }).catch(() => undefined);
        return r?.stdout.trim() === String(health.expectStatus) ? name : undefined;
      }),
    );
    return answers.filter((n): n is string => n !== undefined);
  };
}

/**
 * The deploy's batch size and, when it deploys more than one host at a time or keeps a floor above
 * one, its gate; one host at a time with a floor of one is guarded by preflight as before.
 */
/** A floor no host could keep is refused before any host is touched (exit 2). */
export function refuseImpossibleFloor(
  deps: Pick<DeployDeps, 'config' | 'hosts' | 'peers' | 'allowDowntime'>,
): void {
  const fleet = (deps.peers ?? deps.hosts).length;
  // A floor of one is the preflight's last-healthy guard, which has its own message.
  if (floorOf(deps.config.rollout.minHealthy, fleet) <= 1) return;
  const problem = floorProblem(deps.config.rollout, fleet);
  if (problem && !deps.allowDowntime)
    throw new UsageError(`rollout.${problem}. Lower rollout.minHealthy, or pass --allow-downtime`);
}

export function fleetFor(
  deps: Pick<DeployDeps, 'config' | 'hosts' | 'peers' | 'lb' | 'allowDowntime' | 'clock' | 'emit'>,
  execs: Map<string, Executor>,
): { batchSize: number; gate?: FloorGate } {
  const r = deps.config.rollout;
  const fleet = (deps.peers ?? deps.hosts).length;
  const batchSize = batchSizeOf(r.batchSize, deps.hosts.length);
  const floor = floorOf(r.minHealthy, fleet);
  if (batchSize === 1 && floor <= 1) return { batchSize };
  const { health, port } = deps.config.app;
  const names = new Map(
    deps.hosts.flatMap((h: StaticHost) => (h.instanceId ? [[h.instanceId, h.name]] : [])),
  );
  const healthy = deps.lb
    ? healthyFromLb(deps.lb, names as Map<string, string>)
    : healthyFromHosts(execs, { port, path: health.path, expectStatus: health.expectStatus });
  const gate = new FloorGate({
    floor,
    allowDowntime: deps.allowDowntime,
    healthy,
    clock: deps.clock,
    waitSeconds: r.floorWaitSeconds,
    emit: deps.emit,
  });
  return { batchSize, gate };
}

/**
 * Batches one after the other, the hosts of a batch side by side. The first host that does not
 * deploy closes the gate (no new drains); the hosts already past it finish, and no batch follows.
 */
export async function runBatches(
  hosts: StaticHost[],
  size: number,
  signal: AbortSignal,
  gate: FloorGate | undefined,
  one: (host: StaticHost, index: number) => Promise<HostReport>,
): Promise<HostReport[]> {
  const reports: HostReport[] = [];
  for (const batch of batches([...hosts.entries()], size)) {
    if (signal.aborted) break;
    const done = await Promise.all(
      batch.map(async ([index, host]) => {
        try {
          const report = await one(host, index);
          if (report.result !== 'deployed' && report.result !== 'skipped') gate?.stop(host.name);
          return report;
        } catch (error) {
          gate?.stop(host.name);
          throw error;
        } finally {
          gate?.done(host.name);
        }
      }),
    );
    reports.push(...done);
    if (done.some((r) => r.result !== 'deployed')) break;
  }
  return reports;
}
