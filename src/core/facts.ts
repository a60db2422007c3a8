// Gathers what the planner needs: host names and the target group's numbers, from config or
// through the load-balancer port (AWS). Kept apart from the pure planner (changesets-style).
import type { DeployConfig, StaticHost } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import type { Facts } from '../plan/plan.ts';
import type { TargetGroupReader } from '../ports.ts';

export type GatherOptions = {
  hostsFilter?: string;
  targetGroups?: TargetGroupReader;
  discover?: (tags: Record<string, string>) => Promise<StaticHost[]>;
};

export async function resolveHosts(config: DeployConfig, opts: GatherOptions): Promise<StaticHost[]> {
  let hosts: StaticHost[];
  if (Array.isArray(config.hosts)) hosts = config.hosts;
  else {
    if (!opts.discover)
      throw new UsageError('hosts.discover needs EC2 access, which this command was not given');
    hosts = await opts.discover(config.hosts.discover.tags);
  }
  if (opts.hostsFilter === undefined) return hosts;
  const wanted = opts.hostsFilter
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // An empty selection would "deploy" nothing and exit 0: a typo, never an intent.
  if (wanted.length === 0)
    throw new UsageError(
      `--hosts names no host (got '${opts.hostsFilter}'); give names separated by commas, e.g. --hosts ${hosts[0]?.name ?? 'web-1'}`,
    );
  const unknown = wanted.filter((w) => !hosts.some((h) => h.name === w));
  if (unknown.length > 0)
    throw new UsageError(
      `--hosts: no host named ${unknown.map((u) => `'${u}'`).join(', ')} (known: ${hosts.map((h) => h.name).join(', ')})`,
    );
  return hosts.filter((h) => wanted.includes(h.name));
}

export async function gatherFacts(
  config: DeployConfig,
  hosts: StaticHost[],
  opts: GatherOptions,
): Promise<Facts> {
  const lb = config.loadBalancer;
  if (!lb.targetGroup && lb.healthCheck)
    return {
      hosts: hosts.map((h) => h.name),
      healthCheck: { ...lb.healthCheck, source: 'config' },
      deregistrationDelay: { seconds: lb.deregistrationDelaySeconds, source: 'config' },
    };
  if (!opts.targetGroups || !lb.targetGroup)
    throw new UsageError('loadBalancer.targetGroup is set but no AWS access was configured for this command');
  const tg = await opts.targetGroups.describeTargetGroup(lb.targetGroup);
  return {
    hosts: hosts.map((h) => h.name),
    healthCheck: { ...tg.healthCheck, source: 'aws' },
    deregistrationDelay: { seconds: tg.deregistrationDelaySeconds, source: 'aws' },
    targetGroup: { name: tg.name, arn: tg.arn },
  };
}
