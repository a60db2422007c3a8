// Transport 'ssh' (the default): node-ssh with the host key verified against known_hosts; per-host
// settings over the config's `ssh` block. Streams stdout and takes stdin, so nothing falls back.
import type { Transport } from './types.ts';

export const ssh: Transport = {
  name: 'ssh',
  summary: 'SSH with the host key verified against known_hosts (port 22 open, a key or an agent)',
  capabilities: { stream: true, put: true },
  async connect(config, host, { cwd, onWarning }) {
    // Loaded here, not at the top: the registry is read by the config schema (plan loads no SSH).
    const { connectSsh } = await import('../executors/ssh.ts');
    const { endpointFor, readSshConfig } = await import('../executors/ssh-endpoint.ts');
    // Address, user, key and jump hosts: the config's, or ~/.ssh/config's when ssh.configFile asks.
    const to = endpointFor(host, config.ssh.jump, readSshConfig(config.ssh.configFile, cwd));
    return connectSsh({
      name: host.name,
      ...to,
      knownHostsPath: config.ssh.knownHostsPath,
      strictHostKeyChecking: host.strictHostKeyChecking ?? config.ssh.strictHostKeyChecking,
      connectTimeoutSeconds: config.ssh.connectTimeoutSeconds,
      connectAttempts: config.ssh.connectAttempts,
      cwd,
      ...(onWarning ? { onWarning } : {}),
    });
  },
};
