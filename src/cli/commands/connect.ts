// SSH targets from config: per-host settings over the ssh block. `onWarning` receives what must be
// said loudly (a host key accepted unverified); without it the executor writes it to stderr.
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import { connectSsh, type SshExecutor } from '../../executors/ssh.ts';

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
