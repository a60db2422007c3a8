// SSH targets from config: per-host settings over the ssh block.
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import { connectSsh, type SshExecutor } from '../../executors/ssh.ts';

export function connectHost(config: DeployConfig, host: StaticHost, cwd: string): Promise<SshExecutor> {
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
  });
}
