// Pure: the plan's batches (docs/rollout.md). Hosts of a batch run side by side, so each host's
// timeline starts with its batch, and the total is the batches one after the other.
import type { DeployConfig } from '../config/schema.ts';
import { batches, batchSizeOf, floorOf } from '../rollout/batches.ts';
import type { TimelineEntry } from './timeline.ts';

export type PlanRollout = {
  batchSize: number;
  /** Targets that stay healthy (rollout.minHealthy over the fleet). */
  minHealthy: number;
  onFailure: DeployConfig['rollout']['onFailure'];
  batches: string[][];
  /** One host's steps end to end (the plan's estimate). */
  perHostSeconds: number;
  /** The batches one after the other; hosts waiting for the floor inside a batch are not counted. */
  totalSeconds: number;
};

/** The rollout and the timeline with each host starting at its batch's start. */
export function planRollout(
  config: Pick<DeployConfig, 'rollout'>,
  hosts: string[],
  timeline: TimelineEntry[],
): { rollout: PlanRollout; timeline: TimelineEntry[] } {
  const size = batchSizeOf(config.rollout.batchSize, hosts.length);
  const groups = batches(hosts, size);
  const first = timeline.filter((e) => e.host === hosts[0]);
  const last = first.at(-1);
  const perHost = last ? last.atSeconds + last.durationSeconds - (first[0]?.atSeconds ?? 0) : 0;
  const batchOf = new Map(groups.flatMap((g, b) => g.map((h) => [h, b] as const)));
  const shifted = timeline.map((e) => {
    const serialStart = hosts.indexOf(e.host) * perHost;
    const at = e.atSeconds - serialStart + (batchOf.get(e.host) ?? 0) * perHost;
    return { ...e, atSeconds: Math.round(at * 10) / 10 };
  });
  return {
    rollout: {
      batchSize: size,
      minHealthy: floorOf(config.rollout.minHealthy, hosts.length),
      onFailure: config.rollout.onFailure,
      batches: groups,
      perHostSeconds: Math.round(perHost * 10) / 10,
      totalSeconds: Math.round(groups.length * perHost * 10) / 10,
    },
    timeline: shifted,
  };
}
