// What every drain mode shares: the schema fields each mode's branch spreads, and the load
// balancer's target for this host.

import { positiveSeconds, seconds } from '../config/schema-helpers.ts';
import type { HostCtx } from '../engine/context.ts';

export const commonDrainFields = {
  marginSeconds: seconds('Added to the computed bound before the old JVM is stopped.').default(2),
  quietSeconds: positiveSeconds(
    'The drain ends only after the host has received no request from the load balancer for this long, with none in flight (docs/drain-evidence.md).',
  ).default(3),
};

/** This host as a target of the group (an instance id, and a port when the group needs one). */
export function targetOf(lb: NonNullable<HostCtx['lb']>): { id: string; port?: number } {
  return { id: lb.targetId, ...(lb.targetPort ? { port: lb.targetPort } : {}) };
}

export const n = (v: number) => String(Math.round(v * 1000) / 1000);
