// The run's load balancer and maintenance listener (docs/cli.md, "run and rollback are one
// pipeline"): asked live when there is a target group, labelled offline in a dry run without AWS,
// and with their writes recorded (never sent) in a dry run.
import type { DeployConfig } from '../../config/schema.ts';
import type { DeployDeps } from '../../engine/deploy.ts';
import { type Maintenance, maintenanceOf } from '../../engine/maintenance.ts';
import type { Recorded } from '../../executors/recording.ts';
import { offlineTargetGroup, RecordingLoadBalancer } from '../../executors/recording-lb.ts';
import { RecordingListener } from '../../executors/recording-listener.ts';
import type { LoadBalancerPort } from '../../ports.ts';
import { loadBalancerFor, maintenanceFor } from './aws.ts';
import type { Planned } from './plan.ts';

export type Balancer = { lb: DeployDeps['lb']; maintenance?: Maintenance };

export type BalancerInput = {
  planned: Planned;
  dryRun: boolean;
  allowDowntime: boolean;
  /** Where a dry run's writes go (shown with the commands). */
  recorded: Recorded[];
  say: (text: string) => void;
};

/**
 * The load balancer, when it can be asked (a target group), and with --allow-downtime the
 * maintenance rule's listener; a dry run records their writes.
 */
export async function loadBalancer(s: BalancerInput): Promise<Balancer> {
  const { config, plan, allHosts } = s.planned;
  const offline = plan.awsFallback ? offlineTargetGroup(config, allHosts, plan.healthCheck) : undefined;
  if (offline) s.say(`${offline.note}\n`);
  // Not bound to the interrupt: after SIGINT the undo still needs RegisterTargets (the engine's
  // waits watch the signal themselves; a retry's backoff is bounded by DEFAULT_RETRY).
  const live = offline ?? (await loadBalancerFor(config));
  const maintenance = s.allowDowntime
    ? await maintenanceForRun(config, live, {
        dryRun: s.dryRun,
        offline: Boolean(offline),
        recorded: s.recorded,
      })
    : undefined;
  const m = maintenance ? { maintenance } : {};
  if (!live || !s.dryRun) return { lb: live, ...m };
  const hostOf = (id: string) => s.planned.hosts.find((h) => h.instanceId === id)?.name ?? id;
  return { lb: { ...live, port: new RecordingLoadBalancer(live.port, s.recorded, hostOf) }, ...m };
}

/** The maintenance rule's listener: checked live (exit 2), its writes recorded in a dry run, unread offline. */
async function maintenanceForRun(
  config: DeployConfig,
  lb: { port: LoadBalancerPort; arn: string } | undefined,
  o: { dryRun: boolean; offline: boolean; recorded: Recorded[] },
): Promise<Maintenance | undefined> {
  if (!config.maintenance || !lb) return undefined;
  if (o.offline) return maintenanceOf(config.maintenance, new RecordingListener(undefined, o.recorded));
  const m = await maintenanceFor(config, lb);
  return m && o.dryRun ? { ...m, port: new RecordingListener(m.port, o.recorded) } : m;
}
