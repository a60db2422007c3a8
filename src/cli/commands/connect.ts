// SSH targets from config: per-host settings over the ssh block. `onWarning` receives what must be
// said loudly (a host key accepted unverified); without it the executor writes it to stderr.
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import { resolveHosts } from '../../core/facts.ts';
import { connectSsh, type SshExecutor } from '../../executors/ssh.ts';
import type { Io } from '../io.ts';
import { awsPorts } from './aws.ts';

/** The config's hosts (`--hosts` applied), found through EC2 when hosts.discover is set, as plan and run find them. */
export async function configuredHosts(
  config: DeployConfig,
  io: Io,
  hostsFilter: string | undefined,
): Promise<StaticHost[]> {
  const { discover } = await awsPorts(config, io);
  return resolveHosts(config, {
    ...(hostsFilter !== undefined ? { hostsFilter } : {}),
    ...(discover ? { discover } : {}),
  });
}

export function connectHost(
  config: DeployConfig,
  host: StaticHost,
  cwd: string,
  onWarning?: (message: string) => void,
): Promise<SshExecutor> {
  return connectSsh({
    name: host.name,
    host: host.host,
    port: host.port,
    user: host.user,
    ...(host.privateKeyPath ? { privateKeyPath: host.privateKeyPath } : {}),
    knownHostsPath: config.ssh.knownHostsPath,
    strictHostKeyChecking: host.strictHostKeyChecking ?? config.ssh.strictHostKeyChecking,
    connectTimeoutSeconds: config.ssh.connectTimeoutSeconds,
    connectAttempts: config.ssh.connectAttempts,
    cwd,
    ...(onWarning ? { onWarning } : {}),
  });
}
